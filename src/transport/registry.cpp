// The one table of transports. Hardware backends are compiled in when their libraries
// were found (see the WXFER_WITH_* options); each says at run time whether it can run here.
#include "transport/registry.hpp"

#include "common/error.hpp"
#include "transport/mpi/mpi_transport.hpp"
#include "transport/mpi_rma/mpi_rma_transport.hpp"
#include "wxfer/config.hpp"

namespace wxfer {
namespace {

std::optional<std::string> always_available() { return std::nullopt; }

TransportCapabilities caps(bool two_sided, bool collectives, bool one_sided, bool device) {
  TransportCapabilities c;
  c.two_sided = two_sided;
  c.collectives = collectives;
  c.one_sided = one_sided;
  c.device_memory = device;
  return c;
}

std::string describe(const TransportCapabilities& c) {
  std::string s;
  auto add = [&](bool on, const char* what) {
    if (on) s += std::string(s.empty() ? "" : ", ") + what;
  };
  add(c.two_sided, "two-sided");
  add(c.collectives, "collectives");
  add(c.one_sided, "one-sided");
  add(c.device_memory, "device memory");
  return s;
}

}  // namespace

const std::vector<TransportEntry>& transport_registry() {
  static const std::vector<TransportEntry> table = {
      {"mpi", "MPI two-sided and collectives, host memory", caps(true, true, false, false), always_available,
       make_mpi_transport},
      {"mpi-rma", "MPI one-sided windows (MPI_Put, passive target), host memory", caps(true, true, true, false),
       always_available, make_mpi_rma_transport},
  };
  return table;
}

const TransportEntry* find_transport(std::string_view name) {
  for (const auto& e : transport_registry())
    if (name == e.name) return &e;
  return nullptr;
}

std::unique_ptr<Transport> make_transport(std::string_view name, const Bootstrap& bootstrap,
                                          const TransportCapabilities& needed, std::string_view needed_by) {
  const TransportEntry* e = find_transport(name);
  if (e == nullptr) {
    std::string known;
    for (const auto& t : transport_registry()) known += std::string(known.empty() ? "" : ", ") + t.name;
    throw_usage("unknown transport '" + std::string(name) + "' (compiled in: " + known + ")");
  }
  if (auto why = e->unavailable())
    throw_usage("transport '" + std::string(name) + "' cannot run here: " + *why);
  const auto& c = e->capabilities;
  if ((needed.two_sided && !c.two_sided) || (needed.collectives && !c.collectives) ||
      (needed.one_sided && !c.one_sided) || (needed.device_memory && !c.device_memory))
    throw_usage(std::string(needed_by) + " needs " + describe(needed) + "; transport '" + std::string(name) +
                "' offers " + describe(c));
  return e->make(bootstrap);
}

}  // namespace wxfer
