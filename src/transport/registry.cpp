// The one table of transports. Hardware backends are compiled in when their libraries
// were found (see the WXFER_WITH_* options); each says at run time whether it can run here.
#include "transport/registry.hpp"

#include "common/error.hpp"
#include "transport/mpi/mpi_transport.hpp"
#include "transport/mpi_rma/mpi_rma_transport.hpp"
#include "wxfer/config.hpp"
#if WXFER_HAVE_NCCL
#include "transport/nccl/nccl_transport.hpp"
#endif
#if WXFER_HAVE_VERBS
#include "transport/verbs/verbs_transport.hpp"
#endif
#if WXFER_HAVE_CUDA
#include "transport/cuda_ipc/cuda_ipc_transport.hpp"
#endif

namespace wxfer {
namespace {

std::optional<std::string> always_available() { return std::nullopt; }

enum Moves : uint8_t { host_only, device_only, host_and_device };

TransportCapabilities caps(bool two_sided, bool collectives, bool one_sided, Moves moves, bool tag_matching = false,
                           bool cpu_copy_puts = false) {
  TransportCapabilities c;
  c.two_sided = two_sided;
  c.collectives = collectives;
  c.one_sided = one_sided;
  c.host_memory = moves != device_only;
  c.device_memory = moves != host_only;
  c.tag_matching = tag_matching;
  c.cpu_copy_puts = cpu_copy_puts;
  return c;
}

}  // namespace

std::string describe_capabilities(const TransportCapabilities& c) {
  std::string s;
  auto add = [&](bool on, const char* what) {
    if (on) s += std::string(s.empty() ? "" : ", ") + what;
  };
  add(c.two_sided, "two-sided");
  add(c.tag_matching, "tag matching");
  add(c.collectives, "collectives");
  add(c.one_sided, "one-sided");
  add(c.cpu_copy_puts, "puts copied by the CPU");
  add(c.host_memory, "host memory");
  add(c.device_memory, "device memory");
  return s;
}

const std::vector<TransportEntry>& transport_registry() {
  static const std::vector<TransportEntry> table = {
    {"mpi", "MPI two-sided and collectives, host memory", caps(true, true, false, host_only, true), always_available,
     make_mpi_transport},
    {"mpi-rma", "MPI one-sided windows (MPI_Put, passive target), host memory", caps(true, true, true, host_only, true, true),
     always_available, make_mpi_rma_transport},
#if WXFER_HAVE_NCCL
    {"nccl", "NCCL send/recv and broadcast on a CUDA stream, device memory", caps(true, true, false, device_only),
     nccl_unavailable, make_nccl_transport},
#endif
#if WXFER_HAVE_CUDA
    {"cuda-ipc", "CUDA IPC: device-to-device copies into peers' memory, ranks on one node", caps(false, false, true, device_only),
     cuda_ipc_unavailable, make_cuda_ipc_transport},
#endif
#if WXFER_HAVE_VERBS
    {"verbs", "ibverbs RDMA WRITE over RC queue pairs, host or GPUDirect device memory",
     caps(false, false, true, host_and_device), verbs_unavailable, make_verbs_transport},
#endif
  };
  return table;
}

const TransportEntry* find_transport(std::string_view name) {
  for (const auto& e : transport_registry())
    if (name == e.name) return &e;
  return nullptr;
}

std::unique_ptr<Transport> make_transport(std::string_view name, const Control& control, const TransportCapabilities& needed,
                                          std::string_view needed_by) {
  const TransportEntry* e = find_transport(name);
  if (e == nullptr) {
    std::string known;
    for (const auto& t : transport_registry()) known += std::string(known.empty() ? "" : ", ") + t.name;
    throw_usage("unknown transport '" + std::string(name) + "' (compiled in: " + known + ")");
  }
  if (auto why = e->unavailable()) throw TransportUnavailable("transport '" + std::string(name) + "' cannot run here: " + *why);
  const auto& c = e->capabilities;
  if ((needed.two_sided && !c.two_sided) || (needed.collectives && !c.collectives) || (needed.one_sided && !c.one_sided) ||
      (needed.device_memory && !c.device_memory) || (needed.tag_matching && !c.tag_matching))
    throw_usage(std::string(needed_by) + " needs " + describe_capabilities(needed) + "; transport '" + std::string(name) +
                "' offers " + describe_capabilities(c));
  return e->make(control);
}

}  // namespace wxfer
