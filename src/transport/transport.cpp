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

namespace {

// A window over memory it owns; the memory outlives the window it backs.
class OwningWindow final : public Window {
 public:
  OwningWindow(HostBuffer memory, Transport& transport)
      : memory_(std::move(memory)), window_(transport.expose(memory_.span())) {}
  void put(int peer, uint64_t offset, const void* src, size_t bytes) override { window_->put(peer, offset, src, bytes); }
  void flush(const Deadline& deadline) override { window_->flush(deadline); }
  MemorySpan local() const override { return window_->local(); }

 private:
  HostBuffer memory_;
  std::unique_ptr<Window> window_;
};

}  // namespace

std::unique_ptr<Window> Transport::expose_new(uint64_t bytes) {
  return std::make_unique<OwningWindow>(HostBuffer(bytes), *this);
}

}  // namespace wxfer
