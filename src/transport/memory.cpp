#include "transport/memory.hpp"

#include <cstdlib>
#include <cstring>

#include "common/error.hpp"

namespace wxfer {

void HostBuffer::Free::operator()(uint8_t* p) const { std::free(p); }

HostBuffer::HostBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  constexpr size_t kPage = 4096;
  void* p = std::aligned_alloc(kPage, (bytes + kPage - 1) / kPage * kPage);
  if (p == nullptr) throw_system_error("aligned_alloc", "out of host memory for " + std::to_string(bytes) + " bytes");
  std::memset(p, 0, bytes);  // first touch now, not inside a timed step
  data_.reset(static_cast<uint8_t*>(p));
}

}  // namespace wxfer
