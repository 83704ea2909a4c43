// WXFER_CHECK_CUDA(call): a failed CUDA runtime call becomes a SystemError naming the call.
// Only in builds with CUDA; the including target links CUDA::cudart.
#pragma once

#include "wxfer/config.hpp"

#if WXFER_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "common/error.hpp"

#define WXFER_CHECK_CUDA(call)                                                              \
  do {                                                                                      \
    const cudaError_t wxfer_cuda_rc_ = (call);                                              \
    if (wxfer_cuda_rc_ != cudaSuccess)                                                      \
      ::wxfer::throw_system_error(#call, cudaGetErrorString(wxfer_cuda_rc_));               \
  } while (0)
#endif
