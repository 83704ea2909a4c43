#include "transport/transport.hpp"

#include <string>
#include <utility>

#include "common/error.hpp"

namespace wxfer {

void Transport::unsupported(const char* what) const {
  throw_system_error(std::string("Transport::") + what, "transport '" + std::string(name()) + "' does not support " + what);
}

Request Transport::isend(int, MemorySpan, int) { unsupported("isend"); }
Request Transport::irecv(int, MemorySpan, int) { unsupported("irecv"); }
std::unique_ptr<Group> Transport::make_group(const std::vector<int>&) { unsupported("make_group"); }
Request Transport::ibroadcast(Group&, int, MemorySpan) { unsupported("ibroadcast"); }
Request Transport::ibarrier() { unsupported("ibarrier"); }
std::unique_ptr<Window> Transport::expose(MemorySpan) { unsupported("expose"); }

void Window::put_strided(int peer, uint64_t offset, const void* src, size_t rows, size_t row_bytes, size_t src_stride) {
  const auto* base = static_cast<const uint8_t*>(src);
  for (size_t r = 0; r < rows; ++r) put(peer, offset + r * row_bytes, base + r * src_stride, row_bytes);
}

void Window::put_interleaved(std::span<const StridedBox> boxes) {
  if (boxes.empty()) return;
  for (const StridedBox& b : boxes) WXFER_ASSERT(b.rows == boxes[0].rows);
  for (size_t r = 0; r < boxes[0].rows; ++r)
    for (const StridedBox& b : boxes)
      put(b.peer, b.offset + r * b.row_bytes, static_cast<const uint8_t*>(b.src) + r * b.src_stride, b.row_bytes);
}

namespace {

// A window over memory it owns; the memory outlives the window it backs.
class OwningWindow final : public Window {
 public:
  OwningWindow(HostBuffer memory, Transport& transport) : memory_(std::move(memory)), window_(transport.expose(memory_.span())) {}
  void put(int peer, uint64_t offset, const void* src, size_t bytes) override { window_->put(peer, offset, src, bytes); }
  void put_strided(int peer, uint64_t offset, const void* src, size_t rows, size_t row_bytes, size_t src_stride) override {
    window_->put_strided(peer, offset, src, rows, row_bytes, src_stride);
  }
  void put_interleaved(std::span<const StridedBox> boxes) override { window_->put_interleaved(boxes); }
  void flush(const Deadline& deadline) override { window_->flush(deadline); }
  MemorySpan local() const override { return window_->local(); }

 private:
  HostBuffer memory_;
  std::unique_ptr<Window> window_;
};

}  // namespace

std::unique_ptr<Window> Transport::expose_new(uint64_t bytes) { return std::make_unique<OwningWindow>(HostBuffer(bytes), *this); }

}  // namespace wxfer
