#include "harness/host_links.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/error.hpp"
#include "common/process.hpp"
#include "common/stats.hpp"

namespace wxfer {

HostMap map_hosts(MPI_Comm comm) {
  int size = 0;
  WXFER_CHECK_MPI(MPI_Comm_size(comm, &size));
  constexpr int kName = 64;
  char mine[kName] = {};
  std::snprintf(mine, sizeof mine, "%s", host_name().c_str());
  std::vector<char> all(static_cast<size_t>(size) * kName);
  WXFER_CHECK_MPI(MPI_Allgather(mine, kName, MPI_CHAR, all.data(), kName, MPI_CHAR, comm));
  HostMap m;
  for (int r = 0; r < size; ++r) {
    const std::string name(all.data() + static_cast<size_t>(r) * kName,
                           strnlen(all.data() + static_cast<size_t>(r) * kName, kName));
    const auto it = std::find(m.names.begin(), m.names.end(), name);
    m.host_of_rank.push_back(static_cast<int>(it - m.names.begin()));
    if (it == m.names.end()) m.names.push_back(name);
  }
  return m;
}

HostTraffic host_traffic(const Plan& plan, const RankLayout& ranks, const HostMap& hosts) {
  HostTraffic t;
  t.out.assign(static_cast<size_t>(hosts.hosts()), 0);
  t.in.assign(static_cast<size_t>(hosts.hosts()), 0);
  for (const Transfer& x : plan.transfers()) {
    const Segment& seg = plan.segments()[x.segment];
    const int from = hosts.host_of_rank[static_cast<size_t>(plan.source_rank(seg, x.copy))];
    const int to =
        hosts.host_of_rank[static_cast<size_t>(ranks.world_of_inference(plan.dest_rank(plan.slices()[seg.slice], x.copy)))];
    if (from == to) continue;
    t.out[static_cast<size_t>(from)] += seg.bytes;
    t.in[static_cast<size_t>(to)] += seg.bytes;
  }
  return t;
}

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// One sample: every rank with a partner streams `messages` messages of `bytes`, the window
// of them outstanding; returns, per host, bytes received / seconds its slowest receiver took.
std::vector<double> ring_sample(MPI_Comm comm, const HostMap& hosts, int to, int from, size_t bytes, int messages,
                                std::vector<uint8_t>& send, std::vector<uint8_t>& recv) {
  constexpr int kWindow = 8;
  WXFER_CHECK_MPI(MPI_Barrier(comm));
  const double t0 = now();
  std::vector<MPI_Request> reqs;
  for (int m = 0; m < messages; m += kWindow) {
    reqs.clear();
    const int n = std::min(kWindow, messages - m);
    for (int k = 0; k < n; ++k) {
      if (from >= 0) {
        reqs.emplace_back();
        WXFER_CHECK_MPI(MPI_Irecv(recv.data() + static_cast<size_t>(k) * bytes, static_cast<int>(bytes), MPI_BYTE, from, 77, comm,
                                  &reqs.back()));
      }
      if (to >= 0) {
        reqs.emplace_back();
        WXFER_CHECK_MPI(MPI_Isend(send.data(), static_cast<int>(bytes), MPI_BYTE, to, 77, comm, &reqs.back()));
      }
    }
    WXFER_CHECK_MPI(MPI_Waitall(static_cast<int>(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE));
  }
  const double mine = from >= 0 ? now() - t0 : 0.0;
  // Per host: bytes its ranks received and the longest any of them took.
  int rank = 0;
  WXFER_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  const auto h = static_cast<size_t>(hosts.host_of_rank[static_cast<size_t>(rank)]);
  std::vector<double> got(static_cast<size_t>(hosts.hosts()), 0.0), took(static_cast<size_t>(hosts.hosts()), 0.0);
  got[h] = from >= 0 ? static_cast<double>(bytes) * messages : 0.0;
  took[h] = mine;
  WXFER_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, got.data(), hosts.hosts(), MPI_DOUBLE, MPI_SUM, comm));
  WXFER_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, took.data(), hosts.hosts(), MPI_DOUBLE, MPI_MAX, comm));
  std::vector<double> rate(got.size(), 0.0);
  for (size_t k = 0; k < got.size(); ++k) rate[k] = took[k] > 0 ? got[k] / took[k] : 0.0;
  return rate;
}

}  // namespace

HostLinkRates measure_host_links(MPI_Comm comm, const HostMap& hosts, int repeats, double seconds) {
  int rank = 0;
  WXFER_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  const int me = hosts.host_of_rank[static_cast<size_t>(rank)];
  // My index among my host's ranks, and the rank with the same index on the next and the
  // previous host (none where that host has fewer ranks).
  auto ranks_of = [&](int host) {
    std::vector<int> out;
    for (size_t r = 0; r < hosts.host_of_rank.size(); ++r)
      if (hosts.host_of_rank[r] == host) out.push_back(static_cast<int>(r));
    return out;
  };
  const std::vector<int> local = ranks_of(me);
  const auto index = static_cast<size_t>(std::find(local.begin(), local.end(), rank) - local.begin());
  const int n = hosts.hosts();
  const std::vector<int> next = ranks_of((me + 1) % n), previous = ranks_of((me + n - 1) % n);
  const int to = index < next.size() ? next[index] : -1;
  const int from = index < previous.size() ? previous[index] : -1;

  constexpr size_t kMessage = size_t{4} << 20;
  std::vector<uint8_t> send(kMessage, 0x5a), recv(kMessage * 8);
  // A warm-up of a few messages sizes the stream to about `seconds` on the slowest host.
  const std::vector<double> warm = ring_sample(comm, hosts, to, from, kMessage, 4, send, recv);
  const double slowest = *std::min_element(warm.begin(), warm.end());
  const auto messages = static_cast<int>(std::clamp(
      slowest * seconds / static_cast<double>(kMessage) / static_cast<double>(std::max<size_t>(local.size(), 1)), 4.0, 512.0));
  std::vector<std::vector<double>> samples(static_cast<size_t>(n));
  for (int s = 0; s < repeats; ++s) {
    const std::vector<double> rate = ring_sample(comm, hosts, to, from, kMessage, messages, send, recv);
    for (size_t h = 0; h < rate.size(); ++h) samples[h].push_back(rate[h]);
  }
  // The best sample: a link carries at least what it was seen to carry, and a bound taken
  // from a slow moment would let a strategy beat it.
  HostLinkRates rates;
  for (auto& v : samples) rates.in.push_back(*std::max_element(v.begin(), v.end()));
  for (int h = 0; h < n; ++h) rates.out.push_back(rates.in[static_cast<size_t>((h + 1) % n)]);
  return rates;
}

NetworkBound network_bound(const HostTraffic& traffic, const HostLinkRates& rates) {
  WXFER_ASSERT(traffic.out.size() == rates.out.size() && traffic.in.size() == rates.in.size());
  NetworkBound b;
  auto consider = [&](uint64_t bytes, double rate, size_t host, bool sending) {
    if (rate <= 0) return;
    const double seconds = static_cast<double>(bytes) / rate;
    if (seconds > b.seconds) b = {seconds, static_cast<int>(host), sending, rate};
  };
  for (size_t h = 0; h < rates.in.size(); ++h) {
    consider(traffic.out[h], rates.out[h], h, true);
    consider(traffic.in[h], rates.in[h], h, false);
  }
  return b;
}

}  // namespace wxfer
