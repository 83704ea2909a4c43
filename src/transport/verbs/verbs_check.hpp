// ibverbs calls under the project's error policy. Verbs report failure as an errno value
// (or a null pointer with errno set), so the message is strerror's text.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.hpp"

// For calls that return 0 or an errno value (ibv_modify_qp, ibv_post_send, ...).
#define WXFER_CHECK_VERBS(call)                                                          \
  do {                                                                                   \
    const int wxfer_verbs_rc_ = (call);                                                  \
    if (wxfer_verbs_rc_ != 0)                                                            \
      ::wxfer::throw_system_error(#call, std::strerror(wxfer_verbs_rc_ > 0 ? wxfer_verbs_rc_ : errno)); \
  } while (0)

// For calls that return a handle, or null with errno set (ibv_alloc_pd, ibv_create_qp, ...).
#define WXFER_CHECK_VERBS_PTR(call)                                                      \
  [&] {                                                                                  \
    errno = 0;                                                                           \
    auto* wxfer_verbs_p_ = (call);                                                       \
    if (wxfer_verbs_p_ == nullptr)                                                       \
      ::wxfer::throw_system_error(#call, errno != 0 ? std::strerror(errno) : "returned null"); \
    return wxfer_verbs_p_;                                                               \
  }()
