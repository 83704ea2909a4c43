// CUDA block quantization kernel. Bit-exactness with the reference comes from doing the same
// float operations: amax as a max of |x| over finite values (exact, order-free), scale =
// amax / 448.0f (IEEE division: this file must never see --use_fast_math), y = x / scale, and the
// hardware's RNE + saturating float -> e4m3 conversion. NaN is written explicitly so its sign is
// kept. Compiled as C++17 by nvcc, so it includes no project headers but its own.
#include <cuda_fp8.h>

#include "quant/cuda/block_quant_kernel.hpp"

namespace wxfer::quant::cuda {
namespace {

constexpr int64_t kBlockSize = 128;
constexpr int kThreads = 256;

__device__ float bf16_bits_to_float(uint16_t bits) { return __uint_as_float(static_cast<uint32_t>(bits) << 16); }

__device__ float block_amax(const uint16_t* src, int64_t stride, int rows, int cols) {
  float amax = 0.0f;
  for (int i = threadIdx.x; i < rows * kBlockSize; i += kThreads) {
    const int r = i / kBlockSize, c = i % kBlockSize;
    if (c < cols) {
      const float x = fabsf(bf16_bits_to_float(src[r * stride + c]));
      if (isfinite(x)) amax = fmaxf(amax, x);  // NaN and Inf do not set the scale
    }
  }
  for (int offset = 16; offset > 0; offset /= 2) amax = fmaxf(amax, __shfl_xor_sync(0xFFFFFFFFu, amax, offset));
  __shared__ float warp_amax[kThreads / 32];
  if (threadIdx.x % 32 == 0) warp_amax[threadIdx.x / 32] = amax;
  __syncthreads();
  amax = 0.0f;
  for (float w : warp_amax) amax = fmaxf(amax, w);
  return amax;
}

__global__ void quantize_blocks_kernel(const uint16_t* src, int64_t rows, int64_t cols, int64_t stride, uint8_t* fp8,
                                       int64_t fp8_stride, float* scales, int64_t scale_stride) {
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * kBlockSize, c0 = static_cast<int64_t>(blockIdx.x) * kBlockSize;
  const int block_rows = static_cast<int>(min(kBlockSize, rows - r0)), block_cols = static_cast<int>(min(kBlockSize, cols - c0));
  const uint16_t* block = src + r0 * stride + c0;
  const float amax = block_amax(block, stride, block_rows, block_cols);
  const float scale = amax > 0.0f ? amax / 448.0f : 1.0f;  // block_scale(): zero blocks store 1
  if (threadIdx.x == 0) scales[blockIdx.y * scale_stride + blockIdx.x] = scale;
  uint8_t* out = fp8 + r0 * fp8_stride + c0;
  for (int i = threadIdx.x; i < block_rows * kBlockSize; i += kThreads) {
    const int r = i / kBlockSize, c = i % kBlockSize;
    if (c >= block_cols) continue;
    const uint16_t bits = block[r * stride + c];
    const float x = bf16_bits_to_float(bits);
    const uint8_t code = isnan(x) ? static_cast<uint8_t>(0x7F | ((bits >> 8) & 0x80))
                                  : static_cast<uint8_t>(__nv_cvt_float_to_fp8(x / scale, __NV_SATFINITE, __NV_E4M3));
    out[r * fp8_stride + c] = code;
  }
}

}  // namespace

cudaError_t launch_quantize_blocks(const uint16_t* src, int64_t rows, int64_t cols, int64_t stride, uint8_t* fp8,
                                   int64_t fp8_stride, float* scales, int64_t scale_stride, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>((cols + kBlockSize - 1) / kBlockSize),
                  static_cast<unsigned>((rows + kBlockSize - 1) / kBlockSize));
  quantize_blocks_kernel<<<grid, kThreads, 0, stream>>>(src, rows, cols, stride, fp8, fp8_stride, scales, scale_stride);
  return cudaGetLastError();
}

}  // namespace wxfer::quant::cuda
