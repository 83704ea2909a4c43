#include "transport/cuda/device_buffer.hpp"

#include <utility>

#include "common/cuda_check.hpp"

namespace wxfer {

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  WXFER_CHECK_CUDA(cudaGetDevice(&device_));
  if (bytes == 0) return;
  WXFER_CHECK_CUDA(cudaMalloc(&data_, bytes));
  WXFER_CHECK_CUDA(cudaMemset(data_, 0, bytes));
}

DeviceBuffer::~DeviceBuffer() {
  if (data_ != nullptr) cudaFree(data_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)), device_(other.device_) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(bytes_, other.bytes_);
  std::swap(device_, other.device_);
  return *this;
}

void DeviceBuffer::write(const std::vector<uint8_t>& bytes, size_t offset) {
  WXFER_ASSERT(offset + bytes.size() <= bytes_);
  if (bytes.empty()) return;
  WXFER_CHECK_CUDA(cudaMemcpy(static_cast<uint8_t*>(data_) + offset, bytes.data(), bytes.size(), cudaMemcpyHostToDevice));
}

std::vector<uint8_t> DeviceBuffer::read() const {
  std::vector<uint8_t> out(bytes_);
  if (bytes_ != 0) WXFER_CHECK_CUDA(cudaMemcpy(out.data(), data_, bytes_, cudaMemcpyDeviceToHost));
  return out;
}

}  // namespace wxfer
