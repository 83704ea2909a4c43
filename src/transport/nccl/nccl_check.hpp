// WXFER_CHECK_NCCL(call): the check-macro family of common/error.hpp for NCCL calls.
#pragma once

#include <nccl.h>

#include <string>

#include "common/error.hpp"

namespace wxfer {
inline bool nccl_ok(ncclResult_t code) { return code == ncclSuccess; }
inline std::string nccl_error_string(ncclResult_t code) {
  return std::string(ncclGetErrorString(code)) + " (" + ncclGetLastError(nullptr) + ")";
}
}  // namespace wxfer

#define WXFER_CHECK_NCCL(call) WXFER_CHECK_CALL(call, #call, ::wxfer::nccl_ok, ::wxfer::nccl_error_string)
