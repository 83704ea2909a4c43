// The reference: block quantization written from its definition in float64, one element at a
// time. The fast kernels are tested bit-for-bit against it.
#include <algorithm>
#include <cmath>

#include "quant/bf16.hpp"
#include "quant/block_quant.hpp"
#include "quant/fp8_e4m3.hpp"
#include "quant/region_check.hpp"

namespace wxfer::quant {
namespace {

// RNE onto the e4m3 grid, then saturation to 448. Uses exact double arithmetic: the grid
// spacing is a power of two, so a / spacing and the product back are exact.
uint8_t reference_e4m3(float y) {
  const uint8_t sign = std::signbit(y) ? 0x80 : 0x00;
  if (std::isnan(y)) return static_cast<uint8_t>(kE4m3NaN | sign);
  const double a = std::fabs(static_cast<double>(y));
  // Everything above 448 rounds to 448 or to 480 (past the format): both saturate to 448.
  if (a >= 448.0) return static_cast<uint8_t>(kE4m3MaxCode | sign);
  const double min_normal = 0x1p-6;
  const double spacing = a < min_normal ? 0x1p-9 : std::ldexp(1.0, std::ilogb(a) - 3);
  const double q = std::nearbyint(a / spacing) * spacing;  // default rounding mode: ties to even
  int code = 0;
  if (q < min_normal) {
    code = static_cast<int>(q / 0x1p-9);  // subnormal: mantissa counts 2^-9 steps (8 is 2^-6)
  } else {
    const int e = std::ilogb(q);
    const int mantissa = static_cast<int>((std::ldexp(q, -e) - 1.0) * 8.0);
    code = ((e + 7) << 3) | mantissa;
  }
  return static_cast<uint8_t>(code | sign);
}

}  // namespace

float block_scale(float amax) {
  // A block with nothing to scale stores 1, not 0: its fp8 bytes are all zero either way, and
  // a consumer that inverts the scale (1/scale for requantization) gets no Inf.
  if (!(amax > 0.0f)) return 1.0f;
  // (float)(double / double) equals the float division: double carries more than 2*24+2 bits.
  return static_cast<float>(static_cast<double>(amax) / 448.0);
}

float quantize_block_reference(Bf16Region block, uint8_t* fp8, int64_t fp8_stride) {
  WXFER_ASSERT(block.rows <= kBlock && block.cols <= kBlock);
  double amax = 0.0;  // over finite values: NaN and Inf must not poison the block's scale
  for (int64_t r = 0; r < block.rows; ++r)
    for (int64_t c = 0; c < block.cols; ++c) {
      const double x = bf16_to_float(block.data[r * block.stride + c]);
      if (std::isfinite(x)) amax = std::fmax(amax, std::fabs(x));
    }
  const float scale = block_scale(static_cast<float>(amax));
  for (int64_t r = 0; r < block.rows; ++r)
    for (int64_t c = 0; c < block.cols; ++c) {
      const double x = bf16_to_float(block.data[r * block.stride + c]);
      // The quotient is rounded to float first, as torch, Triton and CUDA compute x / s.
      const auto y = static_cast<float>(x / static_cast<double>(scale));
      // NaN keeps the sign of x, whatever the division does with NaN signs.
      fp8[r * fp8_stride + c] = std::isnan(x) ? static_cast<uint8_t>(kE4m3NaN | (std::signbit(x) ? 0x80 : 0)) : reference_e4m3(y);
    }
  return scale;
}

void quantize_reference(Bf16Region src, Fp8Output out) {
  detail::check_region(src, out);
  for (int64_t br = 0; br < scale_rows(src.rows); ++br)
    for (int64_t bc = 0; bc < scale_cols(src.cols); ++bc) {
      const int64_t r0 = br * kBlock, c0 = bc * kBlock;
      const Bf16Region block{src.data + r0 * src.stride + c0, std::min(kBlock, src.rows - r0), std::min(kBlock, src.cols - c0),
                             src.stride};
      out.scales[br * out.scale_stride + bc] =
          quantize_block_reference(block, out.fp8 + r0 * out.fp8_stride + c0, out.fp8_stride);
    }
}

void dequantize(Fp8Input in, int64_t rows, int64_t cols, float* out, int64_t out_stride) {
  WXFER_ASSERT(rows >= 0 && cols >= 0 && in.fp8_stride >= cols && out_stride >= cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const float scale = in.scales[(r / kBlock) * in.scale_stride + c / kBlock];
      out[r * out_stride + c] = e4m3_to_float(in.fp8[r * in.fp8_stride + c]) * scale;
    }
}

}  // namespace wxfer::quant
