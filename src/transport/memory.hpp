// Memory that transports move: host memory here, CUDA device memory with the GPU backends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace wxfer {

enum class MemoryKind : uint8_t { host, device };

// A view of local memory handed to a transport.
struct MemorySpan {
  void* data = nullptr;
  size_t bytes = 0;
  MemoryKind kind = MemoryKind::host;
  int device = -1;  // CUDA device ordinal for device memory
};

// Where the source of a CPU copy starts in its page, for host memory we lay out ourselves
// (trainer shards, the copy-bandwidth probe): targets (windows, inference memory, buffers)
// start on page boundaries, and a copy between addresses at the same offset in their pages
// runs several times slower on x86 (4K aliasing between its loads and stores).
inline constexpr size_t kCopySourceOffset = 2048 + 64;

// Page-aligned, first-touched host memory (so that timing never includes page faults).
class HostBuffer {
 public:
  HostBuffer() = default;
  explicit HostBuffer(size_t bytes);
  uint8_t* data() const { return data_.get(); }
  size_t size() const { return bytes_; }
  MemorySpan span() const { return {data_.get(), bytes_, MemoryKind::host, -1}; }
  // At least `bytes` long afterwards; reallocated (contents lost) only when shorter.
  void reserve(size_t bytes) {
    if (bytes > bytes_) *this = HostBuffer(bytes);
  }

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t bytes_ = 0;
};

}  // namespace wxfer
