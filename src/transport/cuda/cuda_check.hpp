// CUDA runtime calls under the project's error policy: a failure throws a SystemError
// naming the call, file:line, rank and host. Kept inside src/transport/ so that the GPU
// backends do not depend on anything outside this module.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "common/error.hpp"

#define WXFER_CHECK_CUDA(call)                                                                  \
  do {                                                                                          \
    const cudaError_t wxfer_cuda_rc_ = (call);                                                  \
    if (wxfer_cuda_rc_ != cudaSuccess)                                                          \
      ::wxfer::throw_system_error(#call, std::string(cudaGetErrorName(wxfer_cuda_rc_)) + ": " + \
                                             cudaGetErrorString(wxfer_cuda_rc_));               \
  } while (0)
