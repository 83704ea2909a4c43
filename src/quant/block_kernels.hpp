// Strip kernels behind quantize() (internal to wxfer_quant): a portable scalar one and, on
// x86-64, an AVX2 one picked at run time. A strip is up to 128 rows by any number of columns;
// the kernel writes the fp8 bytes and the strip's ceil(cols / 128) block scales.
#pragma once

#include <cstdint>

namespace wxfer::quant::detail {

using StripKernel = void (*)(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst,
                            int64_t dst_stride, float* scales);

void quantize_strip_scalar(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst,
                           int64_t dst_stride, float* scales);

// True where the CPU runs AVX2 and FMA and this build has the AVX2 kernel.
bool have_avx2_kernel();
void quantize_strip_avx2(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst,
                         int64_t dst_stride, float* scales);

}  // namespace wxfer::quant::detail
