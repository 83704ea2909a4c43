// WXFER_CHECK_CUDA(call): a failed CUDA runtime call becomes a SystemError naming the call
// (the check-macro family of common/error.hpp). Only in builds with CUDA; the including
// target links CUDA::cudart.
#pragma once

#include "wxfer/config.hpp"

#if WXFER_HAVE_CUDA
#include <cuda_runtime_api.h>

#include <string>

#include "common/error.hpp"

namespace wxfer {
inline bool cuda_ok(cudaError_t code) { return code == cudaSuccess; }
inline std::string cuda_error_string(cudaError_t code) {
  return std::string(cudaGetErrorName(code)) + ": " + cudaGetErrorString(code);
}
}  // namespace wxfer

#define WXFER_CHECK_CUDA(call) WXFER_CHECK_CALL(call, #call, ::wxfer::cuda_ok, ::wxfer::cuda_error_string)
#endif
