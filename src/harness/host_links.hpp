// The network side of a run's lower bound, where ranks span hosts: the bytes the plan must
// move across each host's link, and each host's link rate measured in the same run. An
// update cannot finish before the busiest host link has carried its bytes, however fast
// memory copies are.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "harness/roles.hpp"
#include "plan/plan.hpp"

namespace wxfer {

struct HostMap {
  std::vector<std::string> names;  // per host, in order of first rank
  std::vector<int> host_of_rank;   // per world rank
  int hosts() const { return static_cast<int>(names.size()); }
};
// Collective: which host every rank runs on (host names, gathered).
HostMap map_hosts(MPI_Comm comm);

// Bytes the plan's transfers carry out of and into each host (source trainer and receiving
// inference rank on different hosts). Trainer-to-trainer gathers are left out: the bound
// stays a lower bound.
struct HostTraffic {
  std::vector<uint64_t> out, in;  // per host
};
HostTraffic host_traffic(const Plan& plan, const RankLayout& ranks, const HostMap& hosts);

// Each host's link rates, bytes/s, per direction.
struct HostLinkRates {
  std::vector<double> out, in;  // per host
};
// Collective: every host sending and receiving at once. Rank i of a host streams messages to
// rank i of the next host (a ring over the hosts), for about `seconds`. A host's rate in is
// the bytes its ranks received over the time they took; its rate out, that of the host it
// sends to. The best of `repeats` samples.
HostLinkRates measure_host_links(MPI_Comm comm, const HostMap& hosts, int repeats = 3, double seconds = 0.25);

// The busiest host link's time: max over hosts and directions of bytes / rate.
struct NetworkBound {
  double seconds = 0;
  int host = -1;  // the host that sets it
  bool sending = false;
  double rate = 0;
};
NetworkBound network_bound(const HostTraffic& traffic, const HostLinkRates& rates);

}  // namespace wxfer
