// NCCL calls under the project's error policy (see cuda_check.hpp).
#pragma once

#include <nccl.h>

#include <string>

#include "common/error.hpp"

#define WXFER_CHECK_NCCL(call)                                                                          \
  do {                                                                                                  \
    const ncclResult_t wxfer_nccl_rc_ = (call);                                                         \
    if (wxfer_nccl_rc_ != ncclSuccess)                                                                  \
      ::wxfer::throw_system_error(#call, std::string(ncclGetErrorString(wxfer_nccl_rc_)) + " (" +       \
                                             ncclGetLastError(nullptr) + ")");                          \
  } while (0)
