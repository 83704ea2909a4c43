#include "sim/simulate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <tuple>

#include "common/build_info.hpp"
#include "common/error.hpp"
#include "plan/buckets.hpp"
#include "record/stages.hpp"
#include "sim/platform.hpp"
#include "sim/replay.hpp"

namespace wxfer {
namespace {

double wall_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Trainers on the first GPUs; NIC index of a GPU as the platform numbers them.
int32_t nic_of(const ClusterSpec& c, int32_t gpu) {
  return gpu / c.gpus_per_node * c.nics_per_node + gpu % c.gpus_per_node * c.nics_per_node / c.gpus_per_node;
}

uint64_t fnv(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

uint64_t digest(const std::vector<Event>& events) {
  uint64_t h = 1469598103934665603ull;
  for (const Event& e : events) {
    h = fnv(h, &e.rank, sizeof e.rank);
    h = fnv(h, &e.bucket, sizeof e.bucket);
    h = fnv(h, e.stage, sizeof e.stage);
    h = fnv(h, &e.bytes, sizeof e.bytes);
    h = fnv(h, &e.t_begin, sizeof e.t_begin);
    h = fnv(h, &e.t_end, sizeof e.t_end);
  }
  return h;
}

void sort_events(std::vector<Event>& events) {
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    const int s = std::strncmp(a.stage, b.stage, sizeof a.stage);
    return std::tie(a.rank, a.bucket, a.t_begin, a.t_end) < std::tie(b.rank, b.bucket, b.t_begin, b.t_end) ||
           (std::tie(a.rank, a.bucket, a.t_begin, a.t_end) == std::tie(b.rank, b.bucket, b.t_begin, b.t_end) && s < 0);
  });
}

InferenceLayout with_ranks(InferenceLayout l, int32_t ranks) {
  if (ranks <= 0 || ranks % l.tp != 0)
    throw_usage("invalid --inference-gpus value " + std::to_string(ranks) +
                ": must be a positive multiple of tp=" + std::to_string(l.tp));
  l.replicas = ranks / l.tp;
  return l;
}

}  // namespace

double rdma_lower_bound(const Plan& plan, const ClusterSpec& c, bool colocated) {
  const RankMap m = place_ranks(c, plan.trainer_ranks(), plan.inference_ranks(), colocated);
  std::map<int32_t, uint64_t> up, down;
  if (colocated) {
    // Only the bytes between nodes take a NIC.
    for (const Transfer& x : plan.transfers()) {
      const Segment& seg = plan.segments()[x.segment];
      const int32_t from = m.trainer_gpu(plan.source_rank(seg, x.copy));
      const int32_t to = m.inference_gpu(plan.dest_rank(plan.slices()[seg.slice], x.copy));
      if (from / c.gpus_per_node == to / c.gpus_per_node) continue;
      up[nic_of(c, from)] += seg.bytes;
      down[nic_of(c, to)] += seg.bytes;
    }
  } else {
    for (int32_t r = 0; r < plan.trainer_ranks(); ++r)
      up[nic_of(c, m.trainer_gpu(r))] += plan.stats().bytes_out[static_cast<size_t>(r)];
    for (int32_t i = 0; i < plan.inference_ranks(); ++i)
      down[nic_of(c, m.inference_gpu(i))] += plan.stats().bytes_in[static_cast<size_t>(i)];
  }
  uint64_t busiest = 0;
  for (const auto& [nic, b] : up) busiest = std::max(busiest, b);
  for (const auto& [nic, b] : down) busiest = std::max(busiest, b);
  return static_cast<double>(busiest) / c.nic_bandwidth;
}

double broadcast_lower_bound(const std::vector<SimBucket>& buckets, int32_t trainers, const ClusterSpec& c, bool colocated,
                             int32_t inference_ranks) {
  // Each bucket leaves its owner's NIC once (separate placement), and the whole model enters
  // every inference node through that node's NICs at least once (colocated: every node
  // but the owner's, which the ring may leave through any of its NICs; on one node, none).
  // Colocated owners also load their buckets from host memory: the busiest owner's bytes
  // cross its host-to-device link.
  std::map<int32_t, uint64_t> owner_nic, owner_loads;
  uint64_t total = 0;
  for (const auto& b : buckets) {
    owner_nic[nic_of(c, b.owner)] += b.work.bytes;
    owner_loads[b.owner] += b.work.stage_in;
    total += b.work.bytes;
  }
  (void)trainers;
  uint64_t busiest = 0, busiest_load = 0;
  if (!colocated)
    for (const auto& [nic, bytes] : owner_nic) busiest = std::max(busiest, bytes);
  else
    for (const auto& [owner, bytes] : owner_loads) busiest_load = std::max(busiest_load, bytes);
  if (colocated && inference_ranks <= c.gpus_per_node) total = 0;
  return std::max({static_cast<double>(busiest) / c.nic_bandwidth,
                   static_cast<double>(total) / (c.nic_bandwidth * c.nics_per_node),
                   static_cast<double>(busiest_load) / c.h2d_bandwidth});
}

double gather_lower_bound(const Plan& whole, int32_t inference_ranks, const ClusterSpec& c, bool colocated) {
  // Rank 0 sends the whole model to every inference rank through its NIC (colocated: to
  // every inference rank off its node).
  const int32_t off_node = colocated ? std::max(0, inference_ranks - c.gpus_per_node) : inference_ranks;
  return static_cast<double>(whole.stats().total_bytes) * off_node / c.nic_bandwidth;
}

SimResult simulate(const Model& trainer_model, const SimRequest& req) {
  const ClusterSpec& c = req.cluster;
  SimResult result;
  PlanOptions opt = req.plan;
  opt.link_bandwidth = c.gpu_nic_bandwidth();

  std::vector<int32_t> sizes = req.inference_gpus;
  const bool sweep = !sizes.empty();
  if (!sweep) sizes.push_back(req.inference.ranks());
  const int32_t trainers = req.trainer.ranks();
  const int32_t most = *std::max_element(sizes.begin(), sizes.end());
  const RankMap widest = place_ranks(c, trainers, most, req.colocated);
  int32_t gpus_needed = 0;
  for (const int32_t n : sizes) gpus_needed = std::max(gpus_needed, gpus_used(place_ranks(c, trainers, n, req.colocated)));
  const SimPlatform platform(c, gpus_needed);

  auto wants = [&](const char* s) { return std::find(req.strategies.begin(), req.strategies.end(), s) != req.strategies.end(); };
  const auto t_plan = std::chrono::steady_clock::now();
  // The whole-model plan and buckets do not depend on the inference layout: build once.
  std::optional<Plan> whole;
  std::vector<SimBucket> buckets;
  std::vector<SimChunk> gather_chunks;
  // The first size's plan serves as the base and then as that size's plan (built once).
  std::optional<Plan> first(std::in_place, trainer_model, req.trainer, with_ranks(req.inference, sizes.front()), opt);
  {
    const Plan& base = *first;
    if (wants("broadcast") || wants("gather")) whole.emplace(whole_model_plan(base));
    if (wants("broadcast")) buckets = broadcast_schedule(*whole, pack_buckets(*whole, req.bucket_bytes), c.gpus_per_node);
    if (wants("gather")) gather_chunks = gather_schedule(*whole, opt.chunk_bytes, c.max_sim_chunks, c.gpus_per_node);
  }
  result.plan_seconds += wall_since(t_plan);

  RunFile& file = result.file;
  file.kind = "sim";
  file.wxfer_version = version();
  for (int32_t g = 0; g < gpus_needed; g += c.gpus_per_node) file.hosts.push_back("node" + std::to_string(g / c.gpus_per_node));
  for (int32_t r = 0; r < trainers + most; ++r) {
    const int32_t gpu = r < trainers ? widest.trainer_gpu(r) : widest.inference_gpu(r - trainers);
    file.ranks.push_back({r, r < trainers ? "trainer" : "inference", "node" + std::to_string(gpu / c.gpus_per_node), 0, 0});
  }

  for (const int32_t n : sizes) {
    const InferenceLayout layout = with_ranks(req.inference, n);
    const auto t0 = std::chrono::steady_clock::now();
    const Plan plan = first ? std::move(*first) : Plan(trainer_model, req.trainer, layout, opt);
    first.reset();
    result.plan_seconds += wall_since(t0);
    const RankMap m = place_ranks(c, trainers, n, req.colocated);
    // Each inference rank's share of the whole model: what it copies out of a received
    // bucket (broadcast) or round (gather).
    std::vector<double> share(static_cast<size_t>(n));
    if (whole) {
      const double model_bytes = static_cast<double>(whole->stats().total_bytes);
      for (int32_t i = 0; i < n; ++i) share[static_cast<size_t>(i)] = static_cast<double>(plan.local_bytes(i)) / model_bytes;
    }
    const auto delta = [&](const std::string& strategy) {
      return req.delta_density >= 0 &&
             std::find(req.delta_strategies.begin(), req.delta_strategies.end(), strategy) != req.delta_strategies.end();
    };
    // What a delta update sends and touches per byte (docs/sparse.md).
    const DeltaCost cost = req.delta_density >= 0
                               ? delta_cost(req.delta_density, static_cast<uint32_t>(dtype_size(opt.inference_dtype)))
                               : DeltaCost{};
    for (const auto& strategy : req.strategies) {
      const auto t_run = std::chrono::steady_clock::now();
      Replay replay;
      double bound = 0;
      nlohmann::json params = {{"cluster", c.name},
                               {"trainer_layout", req.trainer.to_string()},
                               {"inference_layout", layout.to_string()},
                               {"trainer_ranks", trainers},
                               {"inference_gpus", n},
                               {"chunk_bytes", opt.chunk_bytes},
                               {"flows_per_rank", c.flows_per_rank},
                               {"pipeline_depth", c.pipeline_depth},
                               {"placement", req.colocated ? "colocated" : "separate"}};
      if (strategy == "rdma") {
        const auto t_sched = std::chrono::steady_clock::now();
        auto chunks = rdma_schedule(plan, c.max_sim_chunks, c.gpus_per_node, c.send_in_place);
        result.plan_seconds += wall_since(t_sched);
        if (delta(strategy)) make_delta(chunks, cost);
        replay = replay_rdma(platform, m, chunks);
        bound = rdma_lower_bound(plan, c, req.colocated);
        params["max_sim_chunks"] = c.max_sim_chunks;
        if (delta(strategy)) {
          // After the commit each receiver reads its patches and writes the sectors they change.
          double slowest = 0;
          for (int32_t i = 0; i < n; ++i) {
            const auto held = static_cast<double>(plan.local_bytes(i));
            const auto bytes = static_cast<uint64_t>(held * (cost.wire + cost.touched));
            const double t = static_cast<double>(bytes) / c.device_copy_bandwidth;
            Event e;
            e.rank = m.inference_job_rank(i);
            std::snprintf(e.stage, sizeof(e.stage), "%s", stage::apply);
            e.bytes = bytes;
            e.t_begin = replay.seconds;
            e.t_end = replay.seconds + t;
            replay.events.push_back(e);
            slowest = std::max(slowest, t);
          }
          replay.seconds += slowest;
          params["delta"] = true;
          params["delta_density"] = req.delta_density;
          params["delta_wire_fraction"] = cost.wire;
          // The bound of the bytes a delta sends: the busiest NIC's patches.
          bound *= cost.wire;
        }
      } else if (strategy == "broadcast") {
        if (delta(strategy)) {
          // Each bucket's records instead of the bucket; receivers read them and write the
          // sectors they change (their copy-out, scaled).
          std::vector<SimBucket> patched = buckets;
          for (SimBucket& b : patched) {
            b.work.encode = cost.wire >= 1 ? 0 : static_cast<uint64_t>(static_cast<double>(b.work.bytes) * cost.encode_read());
            b.work.bytes = static_cast<uint64_t>(std::ceil(static_cast<double>(b.work.bytes) * cost.wire));
          }
          std::vector<double> applied = share;
          for (double& f : applied) f *= (cost.wire + cost.touched) / cost.wire;
          replay = replay_broadcast(platform, m, patched, applied);
          bound = broadcast_lower_bound(patched, trainers, c, req.colocated, n);
          params["delta"] = true;
          params["delta_density"] = req.delta_density;
          params["delta_wire_fraction"] = cost.wire;
        } else {
          replay = replay_broadcast(platform, m, buckets, share);
          bound = broadcast_lower_bound(buckets, trainers, c, req.colocated, n);
        }
        params["bucket_bytes"] = req.bucket_bytes;
        params["buckets"] = buckets.size();
        params["broadcast"] = broadcast_name(c.broadcast);
        params["broadcast_channels"] = c.broadcast_channels;
      } else if (strategy == "gather") {
        replay = replay_gather(platform, m, gather_chunks, share);
        bound = gather_lower_bound(*whole, n, c, req.colocated);
        params["max_sim_chunks"] = c.max_sim_chunks;
      } else {
        throw_usage("strategy '" + strategy + "' has no simulator replay (wxfer sim replays gather, broadcast and rdma)");
      }
      sort_events(replay.events);
      StrategyRun run;
      run.label = sweep ? strategy + "@inference_gpus=" + std::to_string(n) : strategy;
      run.strategy = strategy;
      run.transport = "simgrid";
      run.simulated = true;
      run.lower_bound_seconds = bound;
      run.bound_kind = "link";
      run.bytes_per_step = plan.stats().total_bytes;
      run.params = params;
      run.metrics["flows"] = static_cast<double>(replay.flows);
      run.metrics["sim_wall_seconds"] = wall_since(t_run);
      StepRecord step{0, replay.seconds, plan.stats().total_bytes, 0, 0, replay.seconds};
      if (delta(strategy)) {
        step.delta = 1;
        step.changed_fraction = req.delta_density;
        step.bytes_landed = static_cast<uint64_t>(static_cast<double>(plan.stats().total_bytes) * cost.wire);
        step.whole_bytes = plan.stats().total_bytes;
      }
      run.steps.push_back(step);
      SimRow row{run.label,
                 strategy,
                 n,
                 replay.seconds,
                 bound,
                 replay.events.size(),
                 replay.flows,
                 digest(replay.events),
                 run.metrics["sim_wall_seconds"]};
      if (replay.seconds < bound * (1 - 1e-9))
        throw_system_error("simulate", run.label + " beat its lower bound: " + std::to_string(replay.seconds) + " s < " +
                                           std::to_string(bound) + " s");
      run.events = std::move(replay.events);
      result.rows.push_back(row);
      file.runs.push_back(std::move(run));
    }
  }
  return result;
}

}  // namespace wxfer
