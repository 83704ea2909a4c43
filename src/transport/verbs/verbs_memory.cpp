#include "transport/verbs/verbs_memory.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/error.hpp"

namespace wxfer {

VerbsMemoryRegion register_memory(ibv_pd* pd, void* data, size_t bytes, int access) {
  errno = 0;
  ibv_mr* mr = ibv_reg_mr(pd, data, bytes, access);
  if (mr == nullptr)
    throw_system_error("ibv_reg_mr", std::string(errno != 0 ? std::strerror(errno) : "failed") + " registering " +
                                         std::to_string(bytes) +
                                         " bytes (for CUDA device memory, GPUDirect RDMA needs the nvidia-peermem "
                                         "module loaded)");
  return VerbsMemoryRegion(mr);
}

uint32_t VerbsSourceRegions::local_key(const void* src, size_t bytes) {
  const auto begin = reinterpret_cast<uintptr_t>(src);
  for (const auto& r : regions_) {
    const auto base = reinterpret_cast<uintptr_t>(r->addr);
    if (begin >= base && begin + bytes <= base + r->length) return r->lkey;
  }
  // A write only reads its source: no access flags beyond local read are needed.
  regions_.push_back(register_memory(pd_, const_cast<void*>(src), bytes, 0));
  return regions_.back()->lkey;
}

}  // namespace wxfer
