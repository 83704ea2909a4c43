// The C++ side of CUDA block quantization: checks, device detection, copies, launch.
#include <cuda_runtime.h>  // the typed cudaMalloc overloads

#include <cstdint>

#include "common/cuda_check.hpp"
#include "common/error.hpp"
#include "quant/cuda/block_quant_cuda.hpp"
#include "quant/cuda/block_quant_kernel.hpp"
#include "quant/region_check.hpp"

namespace wxfer::quant {
namespace {

void require_device() {
  if (cuda_device_count() == 0)
    throw_system_error("cudaGetDeviceCount", "no CUDA device present: the CUDA quantization kernel cannot run");
}

}  // namespace

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky "no device" error
    return 0;
  }
  return count;
}

void quantize_cuda_async(Bf16Region src, Fp8Output out, void* stream) {
  detail::check_region(src, out);
  require_device();
  if (src.rows == 0 || src.cols == 0) return;
  WXFER_CHECK_CUDA(cuda::launch_quantize_blocks(src.data, src.rows, src.cols, src.stride, out.fp8, out.fp8_stride, out.scales,
                                                out.scale_stride, static_cast<cudaStream_t>(stream)));
}

void quantize_cuda(Bf16Region src, Fp8Output out) {
  detail::check_region(src, out);
  require_device();
  if (src.rows == 0 || src.cols == 0) return;
  // Dense copies on the device; the host strides are applied by the 2-D copies.
  const auto srows = scale_rows(src.rows), scols = scale_cols(src.cols);
  uint16_t* d_src = nullptr;
  uint8_t* d_fp8 = nullptr;
  float* d_scales = nullptr;
  WXFER_CHECK_CUDA(cudaMalloc(&d_src, static_cast<size_t>(src.rows * src.cols) * sizeof(uint16_t)));
  WXFER_CHECK_CUDA(cudaMalloc(&d_fp8, static_cast<size_t>(src.rows * src.cols)));
  WXFER_CHECK_CUDA(cudaMalloc(&d_scales, static_cast<size_t>(srows * scols) * sizeof(float)));
  try {
    WXFER_CHECK_CUDA(cudaMemcpy2D(d_src, src.cols * sizeof(uint16_t), src.data, src.stride * sizeof(uint16_t),
                                  src.cols * sizeof(uint16_t), src.rows, cudaMemcpyHostToDevice));
    quantize_cuda_async({d_src, src.rows, src.cols, src.cols}, {d_fp8, src.cols, d_scales, scols}, nullptr);
    WXFER_CHECK_CUDA(cudaMemcpy2D(out.fp8, out.fp8_stride, d_fp8, src.cols, src.cols, src.rows, cudaMemcpyDeviceToHost));
    WXFER_CHECK_CUDA(cudaMemcpy2D(out.scales, out.scale_stride * sizeof(float), d_scales, scols * sizeof(float),
                                  scols * sizeof(float), srows, cudaMemcpyDeviceToHost));
  } catch (...) {
    cudaFree(d_src);
    cudaFree(d_fp8);
    cudaFree(d_scales);
    throw;
  }
  WXFER_CHECK_CUDA(cudaFree(d_src));
  WXFER_CHECK_CUDA(cudaFree(d_fp8));
  WXFER_CHECK_CUDA(cudaFree(d_scales));
}

}  // namespace wxfer::quant
