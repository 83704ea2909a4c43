// Strip kernels behind quantize() (internal to wxfer_quant): a portable scalar one and, on
// x86-64, an AVX2 one picked at run time. A strip is up to 128 rows by any number of columns;
// the kernel writes the fp8 bytes and the strip's ceil(cols / 128) block scales.
#pragma once

#include <cstdint>

namespace wxfer::quant::detail {

using StripKernel = void (*)(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst, int64_t dst_stride,
                             float* scales);

void quantize_strip_scalar(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst, int64_t dst_stride,
                           float* scales);

// The strip's ceil(cols / 128) block scales only.
using StripScalesKernel = void (*)(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, float* scales);
void strip_scales_scalar(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, float* scales);
void strip_scales_avx2(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, float* scales);

// True where the CPU runs AVX-512 (F, BW, VL) and this build has that kernel; it takes a whole
// region (it overlaps one panel's amax pass with the previous panel's encoding).
bool have_avx512_kernel();
void quantize_avx512(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst, int64_t dst_stride,
                     float* scales, int64_t scale_stride);
void strip_scales_avx512(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, float* scales);

// True where the CPU runs AVX2 and FMA and this build has the AVX2 kernel.
bool have_avx2_kernel();
void quantize_strip_avx2(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst, int64_t dst_stride,
                         float* scales);

}  // namespace wxfer::quant::detail
