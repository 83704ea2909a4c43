// Replays a strategy's schedule on the SimGrid platform: one actor per pipeline stage per
// sender, flows for every coalesced transfer, sleeps for host/device copies and kernels.
#pragma once

#include <algorithm>

#include <cstdint>
#include <utility>
#include <vector>

#include "record/run_record.hpp"
#include "sim/platform.hpp"
#include "sim/schedule.hpp"

namespace wxfer {

// Where ranks sit: trainer rank r on GPU r; inference rank i (0-based) on GPU
// first_inference + i, the first GPU of the node after the trainers' (right after the
// trainers when the cluster has no room for that). Event ranks are
// job ranks: trainers first, then inference ranks (as under mpirun).
struct RankMap {
  int32_t trainers = 0;
  int32_t inference = 0;
  int32_t first_inference = 0;  // 0 where colocated: inference rank i shares GPU i with trainer i
  int32_t trainer_gpu(int32_t r) const { return r; }
  int32_t inference_gpu(int32_t i) const { return first_inference + i; }
  int32_t inference_job_rank(int32_t i) const { return trainers + i; }
};
// separate: trainers on the first nodes, inference ranks from the next whole node on.
// colocated: inference and training share GPUs (checkpoint-engine's setting for Kimi-K2);
// inference rank i on GPU i, trainer r on GPU r.
RankMap place_ranks(const ClusterSpec& c, int32_t trainers, int32_t inference, bool colocated = false);
// GPUs the placement occupies.
inline int32_t gpus_used(const RankMap& m) { return std::max(m.trainers, m.first_inference + m.inference); }

struct Replay {
  double seconds = 0;         // "go" to the last byte committed
  std::vector<Event> events;  // t relative to the start of this replay
  uint64_t flows = 0;         // SimGrid communications started
};

Replay replay_rdma(const SimPlatform& p, const RankMap& m, const std::vector<std::vector<SimChunk>>& chunks);
// copy_fraction[i]: share of each bucket inference rank i keeps (its local bytes / model bytes).
Replay replay_broadcast(const SimPlatform& p, const RankMap& m, const std::vector<SimBucket>& buckets,
                        const std::vector<double>& copy_fraction);
// copy_fraction as for broadcast: each receiver copies its share out of every round.
Replay replay_gather(const SimPlatform& p, const RankMap& m, const std::vector<SimChunk>& chunks,
                     const std::vector<double>& copy_fraction = {});

// Building blocks, also used by the closed-form tests. Each runs the engine until done
// and returns the simulated seconds it took.
struct Flow {
  int32_t from = 0, to = 0;  // GPUs
  uint64_t bytes = 0;        // on the wire (payload / efficiency)
  int32_t peer = -1;         // receiver's job rank, when the flow is recorded as an event
  uint64_t payload = 0;      // bytes the event reports
  // When set, `to` is a node and the flow ends in its pooled NICs (SimPlatform::node_sink);
  // `members` are the receivers' (job rank, payload) recorded as one event each.
  bool to_node = false;
  std::vector<std::pair<int32_t, uint64_t>> members = {};
};
double simulate_flows(const SimPlatform& p, const std::vector<Flow>& flows, int32_t max_open);
double simulate_broadcast(const SimPlatform& p, int32_t root, const std::vector<int32_t>& receivers, uint64_t bytes);
// A copy stage of `gpu` (bytes at rate) started together with `flows` (all open at once);
// returns when the copy is done (a sleep where copies share nothing, see ClusterSpec).
double simulate_copy(const SimPlatform& p, int32_t gpu, uint64_t bytes, double rate, const std::vector<Flow>& flows);

}  // namespace wxfer
