// Launcher of the CUDA block quantization kernel (device pointers, dense or strided rows).
// Plain C++17 and CUDA runtime types only: it is shared by nvcc and the C++20 wrapper.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace wxfer::quant::cuda {

// One thread block per 128x128 block; asynchronous on `stream`; returns the launch error.
cudaError_t launch_quantize_blocks(const uint16_t* src, int64_t rows, int64_t cols, int64_t stride, uint8_t* fp8,
                                   int64_t fp8_stride, float* scales, int64_t scale_stride, cudaStream_t stream);

}  // namespace wxfer::quant::cuda
