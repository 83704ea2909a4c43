// One RAII owner per verbs handle: each is released by its ibv_* destroy call, so objects
// declared in creation order are torn down in the reverse order verbs requires
// (memory regions and queue pairs before the protection domain, all before the context).
#pragma once

#include <infiniband/verbs.h>

#include <memory>

namespace wxfer {

template <auto Release>
struct VerbsRelease {
  template <class T>
  void operator()(T* handle) const {
    if (handle != nullptr) Release(handle);
  }
};

using VerbsDeviceList = std::unique_ptr<ibv_device*, VerbsRelease<ibv_free_device_list>>;
using VerbsContext = std::unique_ptr<ibv_context, VerbsRelease<ibv_close_device>>;
using VerbsProtectionDomain = std::unique_ptr<ibv_pd, VerbsRelease<ibv_dealloc_pd>>;
using VerbsCompletionQueue = std::unique_ptr<ibv_cq, VerbsRelease<ibv_destroy_cq>>;
using VerbsQueuePair = std::unique_ptr<ibv_qp, VerbsRelease<ibv_destroy_qp>>;
using VerbsMemoryRegion = std::unique_ptr<ibv_mr, VerbsRelease<ibv_dereg_mr>>;

}  // namespace wxfer
