#include "sim/replay.hpp"
#include "record/stages.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/error.hpp"

namespace sg4 = simgrid::s4u;

namespace wxfer {
namespace {

// Events of one replay, on a clock that starts at the replay's "go".
class Recorder {
 public:
  Recorder() : t0_(SimPlatform::now()) {}
  double now() const { return SimPlatform::now() - t0_; }
  void add(int32_t rank, int32_t chunk, const char* stage, uint64_t bytes, double t_begin) {
    add_span(rank, chunk, stage, bytes, t_begin, now());
  }
  void add_peer(int32_t rank, int32_t chunk, const char* stage, int32_t peer, uint64_t bytes, double t_begin) {
    add_span(rank, chunk, stage, bytes, t_begin, now(), peer);
  }
  void add_span(int32_t rank, int32_t chunk, const char* stage, uint64_t bytes, double t_begin, double t_end, int32_t peer = -1) {
    Event e;
    e.peer = peer;
    e.rank = rank;
    e.step = 0;
    std::strncpy(e.stage, stage, sizeof(e.stage) - 1);
    e.bucket = chunk;
    e.bytes = bytes;
    e.t_begin = t_begin;
    e.t_end = t_end;
    end_ = std::max(end_, e.t_end);
    events_.push_back(e);
  }
  double end() const { return end_; }
  std::vector<Event> take() { return std::move(events_); }

 private:
  double t0_;
  double end_ = 0;
  std::vector<Event> events_;
};

// Starts a copy stage of `gpu` (a copy engine or a kernel) of `bytes` at `rate`: nullptr
// where it shares nothing (GPUs: the caller sleeps bytes / rate); on a CPU host whose copies
// share the cores with MPI (ClusterSpec::copies_share_memory), a flow over the rank's core
// link and the node's cores link to the node's copy sink (see SimPlatform).
sg4::CommPtr start_copy(const SimPlatform& p, int32_t gpu, uint64_t bytes, double rate) {
  const ClusterSpec& c = p.cluster();
  auto* sink = p.copy_sink(p.node_of(gpu));
  if (sink == nullptr || bytes == 0) return nullptr;
  // Alone on its core link (fastest_copy) it takes bytes / rate.
  const double cost = fastest_copy(c) / rate;
  return sg4::Comm::sendto_async(p.host(gpu), sink, static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) * cost)));
}

// A copy stage of `gpu`, from start to end (see start_copy).
void copy(const SimPlatform& p, int32_t gpu, uint64_t bytes, double rate) {
  if (bytes == 0) return;
  if (auto comm = start_copy(p, gpu, bytes, rate)) {
    comm->wait();
    return;
  }
  sg4::this_actor::sleep_for(static_cast<double>(bytes) / rate);
}

// Runs a copy stage (see copy), recording it.
void timed(const SimPlatform& p, int32_t gpu, Recorder& rec, int32_t rank, int32_t chunk, const char* stage, uint64_t bytes,
           double rate) {
  if (bytes == 0) return;
  const double t = rec.now();
  copy(p, gpu, bytes, rate);
  rec.add(rank, chunk, stage, bytes, t);
}

uint64_t inflate(uint64_t bytes, double efficiency) {
  return static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) / efficiency));
}

// Where run_flows records one event per flow (as `wxfer run` records each write with its
// receiver as peer, so that report counts bytes in and out per rank).
struct FlowLog {
  Recorder* rec = nullptr;
  int32_t rank = 0;
  int32_t chunk = 0;
  const char* stage = "";
  // Called as each flow completes (gather: the receiver copies its share out).
  const std::function<void(const Flow&)>* done = nullptr;
};

// Starts flows in order with at most max_open in flight; returns when all are done.
void run_flows(const SimPlatform& p, const std::vector<Flow>& flows, int32_t max_open, uint64_t& counter,
               const FlowLog& log = {}) {
  struct Open {
    const Flow* flow;
    double t_begin;
  };
  std::vector<Open> open;
  std::vector<sg4::CommPtr> comms;  // parallel to `open`, what wait_any takes
  auto landed = [&](const Flow& f, double t_begin) {
    if (log.rec == nullptr) return;
    if (f.members.empty()) log.rec->add_peer(log.rank, log.chunk, log.stage, f.peer, f.payload, t_begin);
    for (const auto& [peer, bytes] : f.members) log.rec->add_peer(log.rank, log.chunk, log.stage, peer, bytes, t_begin);
    if (log.done != nullptr) (*log.done)(f);
  };
  auto finish_one = [&] {
    const auto i = static_cast<size_t>(sg4::Comm::wait_any(comms));
    landed(*open[i].flow, open[i].t_begin);
    open.erase(open.begin() + static_cast<long>(i));
    comms.erase(comms.begin() + static_cast<long>(i));
  };
  for (const Flow& f : flows) {
    if (f.bytes == 0) continue;
    // Colocated ranks on one GPU: the bytes move within its memory, not over a link; the
    // flow is logged and reported done as any other.
    const double t = log.rec != nullptr ? log.rec->now() : 0;
    if (!f.to_node && f.from == f.to) {
      copy(p, f.from, f.bytes, p.cluster().device_copy_bandwidth);
      landed(f, t);
      continue;
    }
    comms.push_back(sg4::Comm::sendto_async(p.host(f.from), f.to_node ? p.node_sink(f.to) : p.host(f.to), f.bytes));
    open.push_back({&f, t});
    ++counter;
    if (static_cast<int32_t>(open.size()) >= max_open) finish_one();
  }
  if (log.rec == nullptr) {
    if (!comms.empty()) sg4::Comm::wait_all(comms);
    return;
  }
  while (!open.empty()) finish_one();
}

// Inference GPUs grouped by node, in node order.
std::vector<std::vector<int32_t>> by_node(const SimPlatform& p, const std::vector<int32_t>& gpus) {
  std::vector<std::vector<int32_t>> nodes;
  for (int32_t g : gpus) {
    if (nodes.empty() || p.node_of(nodes.back().front()) != p.node_of(g)) nodes.emplace_back();
    nodes.back().push_back(g);
  }
  return nodes;
}

// Open MPI libnbc's MPI_Ibcast of one whole buffer (no segments): ranks in group order
// (the root first) are vranks 0..n-1. tree (libnbc's "binomial", chosen for more than 4
// ranks): vrank v receives from v - 2^r (the highest power of two <= v) and, once it holds
// the whole buffer, sends it to v + 2^r for every 2^r > v at once (the root: 1, 2, 4, ...).
// linear (libnbc for at most 4 ranks): the root sends to every receiver at once.
// `landed(i)` as receiver i holds the buffer.
void nbc_broadcast(const SimPlatform& p, int32_t root, const std::vector<int32_t>& receivers, uint64_t wire, uint64_t& counter,
                   const std::function<void(size_t)>& landed) {
  std::vector<int32_t> ranks{root};
  ranks.insert(ranks.end(), receivers.begin(), receivers.end());
  const size_t n = ranks.size();
  const bool linear = p.cluster().broadcast == BroadcastAlgorithm::linear;
  std::vector<sg4::CommPtr> comms;
  std::vector<size_t> to;  // parallel to comms: the receiving vrank
  auto send_to_children = [&](size_t v) {
    for (size_t b = 1; v + b < n; b = linear ? b + 1 : b << 1) {
      if (!linear && b <= v) continue;
      if (linear && v != 0) break;
      comms.push_back(sg4::Comm::sendto_async(p.host(ranks[v]), p.host(ranks[v + b]), wire));
      to.push_back(v + b);
      ++counter;
    }
  };
  send_to_children(0);
  while (!comms.empty()) {
    const auto i = static_cast<size_t>(sg4::Comm::wait_any(comms));
    const size_t v = to[i];
    comms.erase(comms.begin() + static_cast<long>(i));
    to.erase(to.begin() + static_cast<long>(i));
    if (landed) landed(v - 1);
    send_to_children(v);
  }
}

// Broadcast from `root` to `receivers` (see docs/simulation.md).
// ring (NCCL): `channels` pipelined chains, each entering and leaving every node through a
// different GPU (so a different NIC); in steady state every hop of a chain streams at
// once, so a chain is one flow per hop started together, plus the pipeline fill.
// binomial: ceil(log2 p) synchronous rounds of whole-buffer sends.
// tree, linear: Open MPI's MPI_Ibcast (nbc_broadcast).
// `landed(i)` as receiver i holds the buffer (ring, binomial: all at the end).
void broadcast(const SimPlatform& p, int32_t root, const std::vector<int32_t>& receivers, uint64_t bytes, uint64_t& counter,
               const std::function<void(size_t)>& landed = {}) {
  const ClusterSpec& c = p.cluster();
  const uint64_t wire = inflate(bytes, c.collective_efficiency);
  auto all_landed = [&] {
    if (landed)
      for (size_t i = 0; i < receivers.size(); ++i) landed(i);
  };
  if (c.broadcast == BroadcastAlgorithm::tree || c.broadcast == BroadcastAlgorithm::linear) {
    nbc_broadcast(p, root, receivers, wire, counter, landed);
    return;
  }
  if (c.broadcast == BroadcastAlgorithm::binomial) {
    std::vector<int32_t> ranks{root};
    ranks.insert(ranks.end(), receivers.begin(), receivers.end());
    const auto n = ranks.size();
    for (size_t mask = 1; mask < n; mask <<= 1) {
      std::vector<Flow> round;
      for (size_t i = 0; i < mask && i + mask < n; ++i) round.push_back({ranks[i], ranks[i + mask], wire});
      run_flows(p, round, static_cast<int32_t>(round.size()), counter);
    }
    all_landed();
    return;
  }
  // The root's own node first (colocated: the root is one of the receivers, and its node's
  // GPUs are reached over NVLink before the ring leaves the node), then the others in order.
  auto nodes = by_node(p, receivers);
  std::stable_partition(nodes.begin(), nodes.end(),
                        [&](const std::vector<int32_t>& node) { return p.node_of(node.front()) == p.node_of(root); });
  const int32_t channels = c.broadcast_channels;
  std::vector<Flow> hops;
  for (int32_t ch = 0; ch < channels; ++ch) {
    int32_t prev = root;
    for (const auto& node : nodes) {
      const size_t k = node.size();
      const size_t shift = static_cast<size_t>(ch) * k / static_cast<size_t>(channels);
      for (size_t i = 0; i < k; ++i) {
        const int32_t g = node[(i + shift) % k];
        if (g == root) continue;  // it holds the bucket
        hops.push_back({prev, g, wire / static_cast<uint64_t>(channels)});
        prev = g;
      }
    }
  }
  run_flows(p, hops, static_cast<int32_t>(hops.size()), counter);
  // Fill: the last receiver starts one slice per hop after the first.
  const double slice = std::min(c.nccl_slice_bytes, static_cast<double>(wire) / channels);
  const double per_hop = slice / c.gpu_nic_bandwidth() + 2 * c.nic_latency;
  sg4::this_actor::sleep_for(static_cast<double>(receivers.size() > 0 ? receivers.size() - 1 : 0) * per_hop);
  all_landed();
}

// The writes of one chunk: one flow per destination rank, or, where the platform pools a
// node's NICs, one flow per destination node for ranks on other nodes (in node order).
// Bytes written straight from strided held boxes (`strided`, a subset of the chunk's bytes)
// go at the strided put efficiency, the rest at the one-sided one.
std::vector<Flow> chunk_writes(const SimPlatform& p, const RankMap& m, int32_t gpu, const PeerBytes& out,
                               const PeerBytes& strided = {}) {
  const ClusterSpec& c = p.cluster();
  std::vector<Flow> writes;
  std::map<int32_t, Flow> by_node;
  std::map<int32_t, uint64_t> node_strided;
  auto strided_of = [&, it = strided.begin()](int32_t dest) mutable -> uint64_t {
    while (it != strided.end() && it->first < dest) ++it;
    return it != strided.end() && it->first == dest ? it->second : 0;
  };
  auto wire = [&](uint64_t b, uint64_t s) {
    return inflate(b - s, c.write_efficiency()) + (s > 0 ? inflate(s, c.strided_write_efficiency()) : 0);
  };
  for (const auto& [dest, b] : out) {
    const uint64_t s = std::min(b, strided_of(dest));
    const int32_t to = m.inference_gpu(dest);
    const int32_t node = p.node_of(to);
    if (p.node_sink(node) == nullptr || node == p.node_of(gpu)) {
      writes.push_back({gpu, to, wire(b, s), m.inference_job_rank(dest), b});
      continue;
    }
    Flow& f = by_node[node];
    f.from = gpu;
    f.to = node;
    f.to_node = true;
    f.payload += b;
    node_strided[node] += s;
    f.members.emplace_back(m.inference_job_rank(dest), b);
  }
  for (auto& [node, f] : by_node) {
    f.bytes = wire(f.payload, node_strided[node]);
    writes.push_back(std::move(f));
  }
  return writes;
}

std::vector<int32_t> inference_gpus(const RankMap& m) {
  std::vector<int32_t> g(static_cast<size_t>(m.inference));
  for (int32_t i = 0; i < m.inference; ++i) g[static_cast<size_t>(i)] = m.inference_gpu(i);
  return g;
}

template <class F>
void spawn(const SimPlatform& p, int32_t gpu, const std::string& name, F&& body) {
  sg4::Actor::create(name, p.host(gpu), std::forward<F>(body));
}

}  // namespace

RankMap place_ranks(const ClusterSpec& c, int32_t trainers, int32_t inference, bool colocated) {
  RankMap m;
  m.trainers = trainers;
  m.inference = inference;
  if (colocated) return m;
  m.first_inference = (trainers + c.gpus_per_node - 1) / c.gpus_per_node * c.gpus_per_node;
  // A cluster too small to keep them apart (one calibrated machine) packs inference ranks
  // right after the trainers, as mpirun places ranks on one host.
  if (m.first_inference + inference > c.gpus()) m.first_inference = trainers;
  return m;
}

double simulate_flows(const SimPlatform& p, const std::vector<Flow>& flows, int32_t max_open) {
  double seconds = 0;
  uint64_t counter = 0;
  spawn(p, 0, "flows", [&] {
    const double t0 = SimPlatform::now();
    run_flows(p, flows, max_open, counter);
    seconds = SimPlatform::now() - t0;
  });
  sim_engine().run();
  return seconds;
}

double simulate_broadcast(const SimPlatform& p, int32_t root, const std::vector<int32_t>& receivers, uint64_t bytes) {
  double seconds = 0;
  uint64_t counter = 0;
  spawn(p, root, "bcast", [&] {
    const double t0 = SimPlatform::now();
    broadcast(p, root, receivers, bytes, counter);
    seconds = SimPlatform::now() - t0;
  });
  sim_engine().run();
  return seconds;
}

double simulate_copy(const SimPlatform& p, int32_t gpu, uint64_t bytes, double rate, const std::vector<Flow>& flows) {
  double seconds = 0;
  uint64_t counter = 0;
  spawn(p, gpu, "copy", [&] {
    const double t0 = SimPlatform::now();
    copy(p, gpu, bytes, rate);
    seconds = SimPlatform::now() - t0;
  });
  spawn(p, gpu, "flows", [&] { run_flows(p, flows, static_cast<int32_t>(std::max<size_t>(flows.size(), 1)), counter); });
  sim_engine().run();
  return seconds;
}

// Pooled receivers: a node's NICs as one link rated so that the node's bytes take exactly
// as long as its busiest NIC's would (nic bandwidth x bytes / busiest NIC's bytes). When
// the node's receivers are balanced this is all its NICs in use; when they are not, the
// pool is slower, so pooling never hides a receiver hot spot below the per-NIC bound.
void rate_pools(const SimPlatform& p, const RankMap& m, const std::vector<std::vector<SimChunk>>& chunks) {
  const ClusterSpec& c = p.cluster();
  std::map<int32_t, double> nic_bytes;  // cluster-wide NIC -> bytes it receives
  for (const auto& mine : chunks)
    for (const SimChunk& ch : mine)
      for (const auto& [dest, b] : ch.out) nic_bytes[p.nic_of(m.inference_gpu(dest))] += static_cast<double>(b);
  std::map<int32_t, std::pair<double, double>> node;  // node -> (bytes, busiest NIC's bytes)
  for (const auto& [nic, b] : nic_bytes) {
    auto& [total, busiest] = node[nic / c.nics_per_node];
    total += b;
    busiest = std::max(busiest, b);
  }
  for (const auto& [n, tb] : node)
    if (tb.second > 0) p.set_pool_bandwidth(n, c.nic_bandwidth * tb.first / tb.second);
}

Replay replay_rdma(const SimPlatform& p, const RankMap& m, const std::vector<std::vector<SimChunk>>& chunks) {
  const ClusterSpec& c = p.cluster();
  Recorder rec;
  Replay out;
  if (p.node_sink(0) != nullptr) rate_pools(p, m, chunks);
  for (int32_t r = 0; r < m.trainers; ++r) {
    const auto* mine = &chunks[static_cast<size_t>(r)];
    if (mine->empty()) continue;
    auto credits = sg4::Semaphore::create(static_cast<unsigned>(c.pipeline_depth));
    std::vector<sg4::SemaphorePtr> ready;
    for (int i = 0; i < 4; ++i) ready.push_back(sg4::Semaphore::create(0));
    const int32_t gpu = m.trainer_gpu(r);
    const auto n = static_cast<int32_t>(mine->size());
    spawn(p, gpu, "stage_in", [=, &rec, &c, &p] {
      for (int32_t k = 0; k < n; ++k) {
        credits->acquire();
        timed(p, gpu, rec, r, k, stage::stage_in, (*mine)[static_cast<size_t>(k)].stage_in, c.h2d_bandwidth);
        ready[0]->release();
      }
    });
    spawn(p, gpu, "gather", [=, &rec, &c, &p, &out] {
      for (int32_t k = 0; k < n; ++k) {
        ready[0]->acquire();
        const SimChunk& ch = (*mine)[static_cast<size_t>(k)];
        if (!ch.gather_in.empty()) {
          std::vector<Flow> in;
          uint64_t bytes = 0;
          for (const auto& [peer, b] : ch.gather_in) {
            in.push_back({m.trainer_gpu(peer), gpu, inflate(b, c.p2p_efficiency)});
            bytes += b;
          }
          // Peers in an order rotated by the rank, so that gathers spread over senders.
          std::rotate(in.begin(), in.begin() + static_cast<long>(static_cast<size_t>(r) % in.size()), in.end());
          const double t = rec.now();
          run_flows(p, in, std::max(1, c.flows_per_rank / 2), out.flows);
          copy(p, gpu, ch.gathered, c.gather_rate);
          rec.add(r, k, stage::gather, bytes, t);
        }
        ready[1]->release();
      }
    });
    spawn(p, gpu, "convert", [=, &rec, &c, &p] {
      for (int32_t k = 0; k < n; ++k) {
        ready[1]->acquire();
        const SimChunk& ch = (*mine)[static_cast<size_t>(k)];
        timed(p, gpu, rec, r, k, stage::fuse, ch.fuse, c.fusion_rate);
        timed(p, gpu, rec, r, k, stage::quantize, ch.quantize, c.quantization_rate);
        timed(p, gpu, rec, r, k, stage::encode, ch.encode, c.device_copy_bandwidth);
        ready[2]->release();
      }
    });
    spawn(p, gpu, "transfer", [=, &rec, &c, &p, &out] {
      for (int32_t k = 0; k < n; ++k) {
        ready[2]->acquire();
        const SimChunk& ch = (*mine)[static_cast<size_t>(k)];
        std::vector<Flow> writes = chunk_writes(p, m, gpu, ch.out, ch.strided_out);
        // Every sender starts at a different destination, as a static all-to-all schedule does.
        if (!writes.empty())
          std::rotate(writes.begin(), writes.begin() + static_cast<long>(static_cast<size_t>(r) % writes.size()), writes.end());
        run_flows(p, writes, c.flows_per_rank, out.flows, {&rec, r, k, stage::transfer});
        ready[3]->release();
      }
    });
    spawn(p, gpu, "commit", [=, &rec, &c] {
      for (int32_t k = 0; k < n; ++k) {
        ready[3]->acquire();
        const double t = rec.now();
        sg4::this_actor::sleep_for(c.barrier_latency);
        rec.add(r, k, stage::commit, 0, t);
        credits->release();
      }
    });
  }
  sim_engine().run();
  out.seconds = rec.end();
  out.events = rec.take();
  return out;
}

Replay replay_broadcast(const SimPlatform& p, const RankMap& m, const std::vector<SimBucket>& buckets,
                        const std::vector<double>& copy_fraction) {
  const ClusterSpec& c = p.cluster();
  Recorder rec;
  Replay out;
  if (buckets.empty()) return out;
  const auto n = static_cast<int32_t>(buckets.size());
  const auto receivers = inference_gpus(m);
  auto buffers = sg4::Semaphore::create(static_cast<unsigned>(c.pipeline_depth));  // receiver ping-pong
  // Every owner loads its own buckets in order, each into one of its own pipeline_depth
  // buffers, freed when that bucket's broadcast is done: owners load at once (as wxfer
  // run's owners pack), the broadcasts go one after another in bucket order.
  std::map<int32_t, std::vector<int32_t>> owned;  // owner -> its buckets
  for (int32_t k = 0; k < n; ++k) owned[buckets[static_cast<size_t>(k)].owner].push_back(k);
  std::map<int32_t, sg4::SemaphorePtr> staging;
  std::vector<sg4::SemaphorePtr> staged;
  for (int32_t k = 0; k < n; ++k) staged.push_back(sg4::Semaphore::create(0));
  for (const auto& [owner_rank, mine] : owned) {
    auto slots = staging[owner_rank] = sg4::Semaphore::create(static_cast<unsigned>(c.pipeline_depth));
    spawn(p, m.trainer_gpu(owner_rank), "load", [&, mine, slots] {
      for (const int32_t k : mine) {
        slots->acquire();
        const SimBucket& b = buckets[static_cast<size_t>(k)];
        const int32_t owner = m.trainer_gpu(b.owner);
        if (!b.work.gather_in.empty()) {
          std::vector<Flow> in;
          uint64_t bytes = 0;
          for (const auto& [peer, v] : b.work.gather_in) {
            in.push_back({m.trainer_gpu(peer), owner, inflate(v, c.p2p_efficiency)});
            bytes += v;
          }
          const double t = rec.now();
          run_flows(p, in, c.flows_per_rank, out.flows);
          copy(p, owner, b.work.gathered, c.gather_rate);
          rec.add(b.owner, k, stage::gather, bytes, t);
        }
        timed(p, owner, rec, b.owner, k, stage::stage_in, b.work.stage_in, c.h2d_bandwidth);
        timed(p, owner, rec, b.owner, k, stage::quantize, b.work.quantize, c.quantization_rate);
        timed(p, owner, rec, b.owner, k, stage::encode, b.work.encode, c.device_copy_bandwidth);
        staged[static_cast<size_t>(k)]->release();
      }
    });
  }
  // Each receiver copies its share of bucket k out as soon as it holds k (tree: receivers
  // hold it at different times, as in `wxfer run`, where each waits for its own request);
  // the receivers' buffer half is reused once all of them copied out.
  std::vector<sg4::SemaphorePtr> landed;
  for (int32_t i = 0; i < m.inference; ++i) landed.push_back(sg4::Semaphore::create(0));
  std::vector<int32_t> copied(static_cast<size_t>(n), 0);
  spawn(p, 0, "bcast", [&, n, buffers] {
    for (int32_t k = 0; k < n; ++k) {
      staged[static_cast<size_t>(k)]->acquire();
      buffers->acquire();
      const SimBucket& b = buckets[static_cast<size_t>(k)];
      const double t = rec.now();
      std::vector<double> t_landed(static_cast<size_t>(m.inference), 0);
      broadcast(p, m.trainer_gpu(b.owner), receivers, b.work.bytes, out.flows, [&](size_t i) {
        t_landed[i] = rec.now();
        landed[i]->release();
      });
      rec.add(b.owner, k, stage::bcast, b.work.bytes, t);
      // A collective: every receiver records its own side (as `wxfer run` does).
      for (int32_t i = 0; i < m.inference; ++i)
        rec.add_span(m.inference_job_rank(i), k, stage::bcast, b.work.bytes, t, t_landed[static_cast<size_t>(i)]);
      staging[b.owner]->release();
    }
  });
  for (int32_t i = 0; i < m.inference; ++i) {
    spawn(p, m.inference_gpu(i), "copy_out", [&, i, n, buffers] {
      const double f = copy_fraction[static_cast<size_t>(i)];
      for (int32_t k = 0; k < n; ++k) {
        landed[static_cast<size_t>(i)]->acquire();
        const auto mine = static_cast<uint64_t>(f * static_cast<double>(buckets[static_cast<size_t>(k)].work.bytes));
        const double t = rec.now();
        copy(p, m.inference_gpu(i), mine, c.device_copy_bandwidth);
        rec.add(m.inference_job_rank(i), k, stage::copy_out, mine, t);
        if (++copied[static_cast<size_t>(k)] == m.inference) buffers->release();
      }
    });
  }
  sim_engine().run();
  out.seconds = rec.end();
  out.events = rec.take();
  return out;
}

Replay replay_gather(const SimPlatform& p, const RankMap& m, const std::vector<SimChunk>& chunks,
                     const std::vector<double>& copy_fraction) {
  const ClusterSpec& c = p.cluster();
  Recorder rec;
  Replay out;
  const auto n = static_cast<int32_t>(chunks.size());
  // Each receiver copies its share out of a round as soon as it has it, while the root
  // sends the round to the others (as `wxfer run`'s receivers do).
  std::vector<sg4::SemaphorePtr> landed;
  for (int32_t i = 0; i < m.inference; ++i) {
    landed.push_back(sg4::Semaphore::create(0));
    const double f = copy_fraction.empty() ? 0 : copy_fraction[static_cast<size_t>(i)];
    if (f <= 0) continue;
    spawn(p, m.inference_gpu(i), "copy_out", [&, i, n, f, sem = landed.back()] {
      for (int32_t k = 0; k < n; ++k) {
        sem->acquire();
        const auto mine = static_cast<uint64_t>(f * static_cast<double>(chunks[static_cast<size_t>(k)].bytes));
        timed(p, m.inference_gpu(i), rec, m.inference_job_rank(i), k, stage::copy_out, mine, c.device_copy_bandwidth);
      }
    });
  }
  const std::function<void(const Flow&)> on_landed = [&](const Flow& f) {
    landed[static_cast<size_t>(f.peer - m.trainers)]->release();
  };
  auto credits = sg4::Semaphore::create(static_cast<unsigned>(c.pipeline_depth));
  auto ready = sg4::Semaphore::create(0);
  const int32_t root = m.trainer_gpu(0);
  spawn(p, root, "gather", [&, n, credits, ready] {
    for (int32_t k = 0; k < n; ++k) {
      credits->acquire();
      const SimChunk& ch = chunks[static_cast<size_t>(k)];
      std::vector<Flow> in;
      uint64_t bytes = 0;
      for (const auto& [peer, v] : ch.gather_in) {
        in.push_back({m.trainer_gpu(peer), root, inflate(v, c.p2p_efficiency)});
        bytes += v;
      }
      const double t = rec.now();
      run_flows(p, in, c.flows_per_rank, out.flows);
      copy(p, root, ch.gathered, c.gather_rate);
      rec.add(0, k, stage::gather, bytes, t);
      timed(p, root, rec, 0, k, stage::stage_in, ch.stage_in, c.h2d_bandwidth);
      timed(p, root, rec, 0, k, stage::quantize, ch.quantize, c.quantization_rate);
      ready->release();
    }
  });
  spawn(p, root, "transfer", [&, n, credits, ready] {
    for (int32_t k = 0; k < n; ++k) {
      ready->acquire();
      const SimChunk& ch = chunks[static_cast<size_t>(k)];
      std::vector<Flow> sends;
      for (int32_t i = 0; i < m.inference; ++i)
        sends.push_back({root, m.inference_gpu(i), inflate(ch.bytes, c.p2p_efficiency), m.inference_job_rank(i), ch.bytes});
      run_flows(p, sends, c.flows_per_rank, out.flows, {&rec, 0, k, stage::transfer, &on_landed});
      credits->release();
    }
  });
  sim_engine().run();
  out.seconds = rec.end();
  out.events = rec.take();
  return out;
}

}  // namespace wxfer
