// CUDA device memory owned by RAII (cudaMalloc / cudaFree), for tests and benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "transport/memory.hpp"

namespace wxfer {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);  // on the current device, zeroed
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return data_; }
  size_t size() const { return bytes_; }
  MemorySpan span() const { return {data_, bytes_, MemoryKind::device, device_}; }
  // Synchronous copies, for setting up and checking test data.
  void write(const std::vector<uint8_t>& bytes, size_t offset = 0);
  std::vector<uint8_t> read() const;

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  int device_ = -1;
};

}  // namespace wxfer
