// The fast CPU kernel. Plain loops over one block row at a time, written so that GCC
// vectorises them (no branches, no calls, fixed trip count for full blocks); on x86-64 each
// hot function is cloned for AVX-512 and AVX2 and picked at load time, so a portable
// binary still runs vector code. Bit-exact with the reference because it performs the same
// float operations (max, one float division, RNE to e4m3) and integer max is exact.
#include <algorithm>

#include "quant/bf16.hpp"
#include "quant/block_quant.hpp"
#include "quant/fp8_e4m3.hpp"
#include "quant/region_check.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define WXFER_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define WXFER_VECTOR_CLONES
#endif

namespace wxfer::quant {
namespace {

// Largest finite |x| of one block as bf16 bits: for non-negative finite floats the bit
// patterns order like the values, so a 16-bit integer max is exact (and 16 or 32 lanes wide).
template <int64_t Width>
uint16_t block_amax_bits(const uint16_t* src, int64_t stride, int64_t rows, int64_t width) {
  const int64_t w = Width > 0 ? Width : width;
  uint16_t amax = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const uint16_t* row = src + r * stride;
    for (int64_t c = 0; c < w; ++c) {
      const auto mag = static_cast<uint16_t>(row[c] & 0x7FFFu);
      const uint16_t finite = mag < 0x7F80u ? mag : uint16_t{0};  // NaN, Inf: ignored
      amax = std::max(amax, finite);
    }
  }
  return amax;
}

template <int64_t Width>
void block_encode(const uint16_t* src, int64_t stride, int64_t rows, int64_t width, float scale, uint8_t* dst,
                  int64_t dst_stride) {
  const int64_t w = Width > 0 ? Width : width;
  for (int64_t r = 0; r < rows; ++r) {
    const uint16_t* row = src + r * stride;
    uint8_t* out = dst + r * dst_stride;
    for (int64_t c = 0; c < w; ++c) out[c] = float_to_e4m3(bf16_to_float(row[c]) / scale);
  }
}

template <int64_t Width>
WXFER_VECTOR_CLONES float quantize_block(const uint16_t* src, int64_t stride, int64_t rows, int64_t width,
                                         uint8_t* dst, int64_t dst_stride) {
  const float scale = block_scale(bf16_to_float(block_amax_bits<Width>(src, stride, rows, width)));
  block_encode<Width>(src, stride, rows, width, scale, dst, dst_stride);
  return scale;
}

}  // namespace

void quantize(Bf16Region src, Fp8Output out) {
  detail::check_region(src, out);
  for (int64_t br = 0; br < scale_rows(src.rows); ++br)
    for (int64_t bc = 0; bc < scale_cols(src.cols); ++bc) {
      const int64_t r0 = br * kBlock, c0 = bc * kBlock;
      const int64_t rows = std::min(kBlock, src.rows - r0), cols = std::min(kBlock, src.cols - c0);
      const uint16_t* s = src.data + r0 * src.stride + c0;
      uint8_t* d = out.fp8 + r0 * out.fp8_stride + c0;
      // Full-width blocks get a compile-time trip count: no remainder loop, better code.
      out.scales[br * out.scale_stride + bc] = cols == kBlock
                                                   ? quantize_block<kBlock>(s, src.stride, rows, cols, d, out.fp8_stride)
                                                   : quantize_block<0>(s, src.stride, rows, cols, d, out.fp8_stride);
    }
}

}  // namespace wxfer::quant
