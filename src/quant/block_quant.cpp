// quantize(): cuts a region into strips of 128 rows by at most kPanelCols columns and hands
// each to the fastest kernel this CPU runs. The scalar kernel is the portable fallback.
#include <algorithm>

#include "quant/bf16.hpp"
#include "quant/block_kernels.hpp"
#include "quant/block_quant.hpp"
#include "quant/fp8_e4m3.hpp"
#include "quant/region_check.hpp"

namespace wxfer::quant {
namespace {

// 128 rows x 2048 bf16 = 512 KiB: the strip read for the amax pass is still in L2 when the
// encode pass reads it again, and each row segment (4 KiB) is long enough for the prefetcher.
constexpr int64_t kPanelCols = 16 * kBlock;

}  // namespace

namespace detail {

void strip_scales_scalar(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, float* scales) {
  for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
    const int64_t c1 = std::min(cols, c0 + kBlock);
    // Largest finite |x| as bf16 bits: non-negative finite floats order like their bit patterns.
    uint16_t amax = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = c0; c < c1; ++c) {
        const auto mag = static_cast<uint16_t>(src[r * stride + c] & 0x7FFFu);
        if (mag < 0x7F80u && mag > amax) amax = mag;  // NaN, Inf: ignored
      }
    scales[c0 / kBlock] = block_scale(bf16_to_float(amax));
  }
}

void quantize_strip_scalar(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst, int64_t dst_stride,
                           float* scales) {
  strip_scales_scalar(src, stride, rows, cols, scales);
  for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
    const int64_t c1 = std::min(cols, c0 + kBlock);
    const float scale = scales[c0 / kBlock];
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = c0; c < c1; ++c) dst[r * dst_stride + c] = float_to_e4m3(bf16_to_float(src[r * stride + c]) / scale);
  }
}

}  // namespace detail

void quantize(Bf16Region src, Fp8Output out) {
  detail::check_region(src, out);
  if (detail::have_avx512_kernel()) {
    detail::quantize_avx512(src.data, src.stride, src.rows, src.cols, out.fp8, out.fp8_stride, out.scales, out.scale_stride);
    return;
  }
  const detail::StripKernel kernel = detail::have_avx2_kernel() ? detail::quantize_strip_avx2 : detail::quantize_strip_scalar;
  for (int64_t r0 = 0; r0 < src.rows; r0 += kBlock)
    for (int64_t c0 = 0; c0 < src.cols; c0 += kPanelCols)
      kernel(src.data + r0 * src.stride + c0, src.stride, std::min(kBlock, src.rows - r0), std::min(kPanelCols, src.cols - c0),
             out.fp8 + r0 * out.fp8_stride + c0, out.fp8_stride, out.scales + (r0 / kBlock) * out.scale_stride + c0 / kBlock);
}

void block_scales(Bf16Region src, float* scales, int64_t scale_stride) {
  WXFER_ASSERT(src.rows >= 0 && src.cols >= 0 && src.stride >= src.cols && scale_stride >= scale_cols(src.cols));
  WXFER_ASSERT(src.rows * src.cols == 0 || (src.data && scales));
  const detail::StripScalesKernel kernel = detail::have_avx512_kernel() ? detail::strip_scales_avx512
                                           : detail::have_avx2_kernel() ? detail::strip_scales_avx2
                                                                        : detail::strip_scales_scalar;
  for (int64_t r0 = 0; r0 < src.rows; r0 += kBlock)
    for (int64_t c0 = 0; c0 < src.cols; c0 += kPanelCols)
      kernel(src.data + r0 * src.stride + c0, src.stride, std::min(kBlock, src.rows - r0), std::min(kPanelCols, src.cols - c0),
             scales + (r0 / kBlock) * scale_stride + c0 / kBlock);
}

}  // namespace wxfer::quant
