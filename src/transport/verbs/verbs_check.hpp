// WXFER_CHECK_VERBS(call): the check-macro family of common/error.hpp for ibverbs calls.
// Verbs report failure as an errno value (or a null pointer with errno set), so the message
// is strerror's text.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.hpp"

namespace wxfer {
inline bool verbs_ok(int code) { return code == 0; }
inline std::string verbs_error_string(int code) { return std::strerror(code > 0 ? code : errno); }
inline bool verbs_handle_ok(const void* handle) { return handle != nullptr; }
inline std::string verbs_null_string(const void*) { return errno != 0 ? std::strerror(errno) : "returned null"; }
}  // namespace wxfer

// For calls that return 0 or an errno value (ibv_modify_qp, ibv_post_send, ...).
#define WXFER_CHECK_VERBS(call) WXFER_CHECK_CALL(call, #call, ::wxfer::verbs_ok, ::wxfer::verbs_error_string)

// For calls that return a handle, or null with errno set (ibv_alloc_pd, ibv_create_qp, ...):
// the handle is the expression's value.
#define WXFER_CHECK_VERBS_PTR(call)                                                                \
  [&] {                                                                                            \
    errno = 0;                                                                                     \
    auto* wxfer_verbs_p_ = (call);                                                                 \
    WXFER_CHECK_CALL(wxfer_verbs_p_, #call, ::wxfer::verbs_handle_ok, ::wxfer::verbs_null_string); \
    return wxfer_verbs_p_;                                                                         \
  }()
