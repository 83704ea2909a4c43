// Test memory of either kind (host, or CUDA device memory on the current device), with
// synchronous write and read so that tests compare plain byte vectors.
#pragma once

#include <cstdint>
#include <vector>

#include "transport/memory.hpp"
#include "wxfer/config.hpp"
#if WXFER_HAVE_CUDA
#include "transport/cuda/device_buffer.hpp"
#endif

namespace wxfer::test {

class TestBuffer {
 public:
  TestBuffer(MemoryKind kind, size_t bytes);
  MemorySpan span() const;
  // [offset, offset + bytes) as a span of its own (for sending part of a buffer).
  MemorySpan span(size_t offset, size_t bytes) const;
  uint8_t* data() const;
  void write(const std::vector<uint8_t>& bytes, size_t offset = 0);
  std::vector<uint8_t> read() const;

 private:
  MemoryKind kind_;
  HostBuffer host_;
#if WXFER_HAVE_CUDA
  DeviceBuffer device_;
#endif
};

// Bytes that differ with `seed` and with position, so that a misplaced or stale byte shows.
std::vector<uint8_t> pattern(uint64_t seed, size_t bytes);

}  // namespace wxfer::test
