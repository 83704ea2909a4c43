#include "test_buffer.hpp"

#include <cstring>

#include "common/error.hpp"

namespace wxfer::test {

TestBuffer::TestBuffer(MemoryKind kind, size_t bytes) : kind_(kind) {
  if (kind == MemoryKind::host) {
    host_ = HostBuffer(bytes);
    return;
  }
#if WXFER_HAVE_CUDA
  device_ = DeviceBuffer(bytes);
#else
  throw_system_error("TestBuffer", "device memory needs a build with CUDA");
#endif
}

MemorySpan TestBuffer::span() const {
#if WXFER_HAVE_CUDA
  if (kind_ == MemoryKind::device) return device_.span();
#endif
  return host_.span();
}

MemorySpan TestBuffer::span(size_t offset, size_t bytes) const {
  MemorySpan s = span();
  WXFER_ASSERT(offset + bytes <= s.bytes);
  s.data = static_cast<uint8_t*>(s.data) + offset;
  s.bytes = bytes;
  return s;
}

uint8_t* TestBuffer::data() const { return static_cast<uint8_t*>(span().data); }

void TestBuffer::write(const std::vector<uint8_t>& bytes, size_t offset) {
#if WXFER_HAVE_CUDA
  if (kind_ == MemoryKind::device) return device_.write(bytes, offset);
#endif
  WXFER_ASSERT(offset + bytes.size() <= host_.size());
  if (!bytes.empty()) std::memcpy(host_.data() + offset, bytes.data(), bytes.size());
}

std::vector<uint8_t> TestBuffer::read() const {
#if WXFER_HAVE_CUDA
  if (kind_ == MemoryKind::device) return device_.read();
#endif
  return std::vector<uint8_t>(host_.data(), host_.data() + host_.size());
}

std::vector<uint8_t> pattern(uint64_t seed, size_t bytes) {
  std::vector<uint8_t> out(bytes);
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(seed * 131 + i * 7 + (i >> 8) + 1);
  return out;
}

}  // namespace wxfer::test
