#include "transport/transport.hpp"

#include <string>

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

}  // namespace wxfer
