// Memory registration: windows register what they expose; put() sources are registered on
// first use and kept until the transport goes (registration is slow: warm up before timing).
#pragma once

#include <cstddef>
#include <vector>

#include "transport/memory.hpp"
#include "transport/verbs/verbs_handles.hpp"

namespace wxfer {

// ibv_reg_mr on host or CUDA device memory (GPUDirect RDMA through nvidia-peermem); the
// error says what to check when device memory cannot be registered.
VerbsMemoryRegion register_memory(ibv_pd* pd, void* data, size_t bytes, int access);

class VerbsSourceRegions {
 public:
  explicit VerbsSourceRegions(ibv_pd* pd) : pd_(pd) {}
  // The local key of a region covering [src, src + bytes), registering it if none does.
  uint32_t local_key(const void* src, size_t bytes);

 private:
  ibv_pd* pd_;
  std::vector<VerbsMemoryRegion> regions_;
};

}  // namespace wxfer
