#include "sample_runs.hpp"

#include <algorithm>
#include <cstring>

namespace wxfer::testing {
namespace {

std::vector<RankInfo> four_by_four() {
  std::vector<RankInfo> ranks;
  for (int32_t r = 0; r < 8; ++r)
    ranks.push_back({r, r < 4 ? "trainer" : "inference", r < 4 ? "train-node" : "infer-node", 0.0, 1e-6});
  return ranks;
}

StrategyRun base_run(const std::string& label, const std::string& strategy, const nlohmann::json& params) {
  StrategyRun run;
  run.label = label;
  run.strategy = strategy;
  run.transport = "mpi";
  run.lower_bound_seconds = 0.08;
  run.bound_kind = "memcpy";
  run.bytes_per_step = 8ull << 30;
  run.params = params;
  run.metrics["reference_seconds"] = 0.11;
  return run;
}

// Deterministic jitter so steps differ a little: 0, +3%, -2%, +6%, +1%.
double jitter(int step) {
  static constexpr double j[] = {1.0, 1.03, 0.98, 1.06, 1.01};
  return j[step % 5];
}

// Rank 0 gathers shards from ranks 1..3, then sends each inference rank its part in turn.
void gather_step(StrategyRun& run, int step, double t0, double scale) {
  const uint64_t part = run.bytes_per_step / 4;
  double t = t0;
  for (int32_t r = 1; r < 4; ++r) run.events.push_back(event(r, step, "gather", t, t + 0.03 * scale, part / 4, 0));
  run.events.push_back(event(0, step, "fuse", t + 0.03 * scale, t + 0.05 * scale));
  t += 0.05 * scale;
  for (int32_t dst = 4; dst < 8; ++dst) {
    run.events.push_back(event(0, step, "transfer", t, t + 0.04 * scale, part, dst));
    run.events.push_back(event(dst, step, "copy_out", t + 0.04 * scale, t + 0.05 * scale, part));
    t += 0.04 * scale;
  }
  for (int32_t dst = 4; dst < 8; ++dst) run.events.push_back(event(dst, step, "commit", t + 0.01 * scale, t + 0.012 * scale));
}

// Four buckets, ping-pong: pack bucket b+1 while broadcasting bucket b.
void broadcast_step(StrategyRun& run, int step, double t0, double scale, int buckets) {
  const uint64_t bucket_bytes = run.bytes_per_step / static_cast<uint64_t>(buckets);
  const double per = 0.12 * scale / buckets;
  for (int b = 0; b < buckets; ++b) {
    const double start = t0 + b * per;
    run.events.push_back(event(0, step, "pack", start, start + per * 0.5, bucket_bytes, -1, b));
    for (int32_t r = 0; r < 8; ++r)
      run.events.push_back(event(r, step, "bcast", start + per * 0.5, start + per * 1.4, bucket_bytes, -1, b));
    for (int32_t r = 4; r < 8; ++r)
      run.events.push_back(event(r, step, "copy_out", start + per * 1.4, start + per * 1.6, bucket_bytes, -1, b));
  }
}

// Every trainer writes its shard slice straight into every inference rank.
void rdma_step(StrategyRun& run, int step, double t0, double scale) {
  const uint64_t slice = run.bytes_per_step / 16;
  for (int32_t src = 0; src < 4; ++src)
    for (int32_t dst = 4; dst < 8; ++dst) {
      const double start = t0 + 0.005 * scale * (dst - 4);
      run.events.push_back(event(src, step, "transfer", start, start + 0.07 * scale, slice, dst));
    }
  for (int32_t dst = 4; dst < 8; ++dst) run.events.push_back(event(dst, step, "commit", t0 + 0.09 * scale, t0 + 0.095 * scale));
}

template <typename StepFn>
void add_steps(StrategyRun& run, double& clock, double slowdown, StepFn fn) {
  run.events.push_back(event(0, -1, "stage_in", clock, clock + 0.01));
  clock += 0.02;
  for (int s = 0; s < 5; ++s) {
    const double scale = slowdown * jitter(s);
    const size_t first = run.events.size();
    fn(run, s, clock, scale);
    double end = clock;
    for (size_t i = first; i < run.events.size(); ++i) end = std::max(end, run.events[i].t_end);
    run.steps.push_back({s, end - clock, run.bytes_per_step, 1, clock, end});
    clock = end + 0.05;
  }
}

}  // namespace

Event event(int32_t rank, int32_t step, const char* stage, double t_begin, double t_end, uint64_t bytes, int32_t peer,
            int32_t bucket) {
  Event e;
  e.rank = rank;
  e.step = step;
  std::memcpy(e.stage, stage, std::min(std::strlen(stage), sizeof(e.stage)));
  e.bucket = bucket;
  e.peer = peer;
  e.bytes = bytes;
  e.t_begin = t_begin;
  e.t_end = t_end;
  return e;
}

RunFile hand_made_run() {
  RunFile f;
  f.kind = "run";
  f.wxfer_version = "0.1.0-test";
  f.command_line = "wxfer run --strategies broadcast";
  f.created = "2026-01-01T00:00:00Z";
  f.config = {{"model", "kimi-k2-mini"}};
  f.hosts = {"h0", "h1"};
  f.clock_error = 2e-6;
  f.ranks = {{0, "trainer", "h0", 0.0, 0.0},
             {1, "trainer", "h0", 1e-5, 1e-6},
             {2, "inference", "h1", -2e-5, 2e-6},
             {3, "inference", "h1", 3e-5, 1e-6}};
  StrategyRun run;
  run.label = "broadcast";
  run.strategy = "broadcast";
  run.transport = "mpi";
  run.lower_bound_seconds = 0.5;
  run.bound_kind = "link";
  run.bytes_per_step = 4'000'000'000;
  run.params = {{"bucket_bytes", 1 << 30}};
  run.metrics["reference_seconds"] = 0.75;
  const double seconds[] = {1.0, 2.0, 1.5, 3.0, 1.2};
  for (int32_t s = 0; s < 5; ++s)
    run.steps.push_back({s, seconds[s], 4'000'000'000, static_cast<uint8_t>(s == 4 ? 0 : 1), 4.0 * s + 2.0,
                         4.0 * s + 2.0 + seconds[s], 0.5 + 0.01 * s, s < 3 ? 1.0 : 0.0});
  // Step 2 is the median step: window [10.0, 11.5].
  run.events = {
      event(0, -1, "stage_in", 0.0, 1.0, 123),
      event(0, 1, "bcast", 6.0, 7.9, 9'000'000'000),  // another step: must not count
      event(0, 2, "pack", 10.0, 10.2),
      event(0, 2, "bcast", 10.2, 11.0, 2'000'000'000, -1, 0),
      event(2, 2, "bcast", 10.2, 11.1, 2'000'000'000, -1, 0),
      event(1, 2, "bcast", 10.3, 10.9, 1'000'000'000, -1, 1),
      event(3, 2, "bcast", 10.3, 11.0, 1'000'000'000, -1, 1),
      event(0, 2, "transfer", 10.5, 10.8, 500'000'000, 3),
      event(3, 2, "copy_out", 11.0, 11.5, 1'500'000'000),
      event(2, 2, "copy_out", 11.1, 11.4, 2'000'000'000),
      event(3, 2, "commit", 11.3, 11.5),
  };
  // What the transport issued: step 2, rank 0 broadcast 3 messages of 256 KiB-512 KiB and 1
  // of 64 MiB; rank 1 one of 8 MiB; another step's rows must not count.
  const auto ops = [](int32_t rank, int32_t step, const char* kind, int32_t size_class, uint64_t n, uint64_t bytes) {
    OpRecord r;
    r.rank = rank;
    r.step = step;
    std::strncpy(r.kind, kind, sizeof r.kind);
    r.size_class = size_class;
    r.ops = n;
    r.bytes = bytes;
    return r;
  };
  run.ops = {ops(0, 1, "broadcast", 10, 100, 100 * 1024), ops(0, 2, "broadcast", 18, 3, 3 * 300'000),
             ops(0, 2, "broadcast", 26, 1, 64 << 20), ops(1, 2, "broadcast", 23, 1, 8 << 20), ops(2, 2, "recv", 23, 2, 16 << 20)};
  f.runs.push_back(run);
  return f;
}

void stretch_run(StrategyRun& run, double factor) {
  for (auto& step : run.steps) {
    const double begin = step.t_begin;
    for (auto& e : run.events)
      if (e.step == step.step) {
        e.t_begin = begin + (e.t_begin - begin) * factor;
        e.t_end = begin + (e.t_end - begin) * factor;
      }
    step.seconds *= factor;
    step.t_end = begin + (step.t_end - begin) * factor;
  }
}

RunFile synthetic_benchmark(double slowdown, bool sweep) {
  RunFile f;
  f.kind = sweep ? "sweep" : "run";
  f.wxfer_version = "0.1.0-synthetic";
  f.command_line = "make_sample_runs";
  f.created = "2026-01-01T00:00:00Z";
  f.config = {{"model", "kimi-k2-mini"}, {"trainer_layout", "fsdp=4"}, {"inference_layout", "tp=4"}};
  f.hosts = {"train-node", "infer-node"};
  f.clock_error = 1e-6;
  f.ranks = four_by_four();
  double clock = 0;
  if (!sweep) {
    StrategyRun gather = base_run("gather", "gather", {{"chunk_bytes", 64 << 20}});
    add_steps(gather, clock, slowdown, gather_step);
    f.runs.push_back(gather);
  }
  const int bucket_counts[] = {2, 4, 8};
  for (int buckets : bucket_counts) {
    if (!sweep && buckets != 4) continue;
    const uint64_t bucket_bytes = (8ull << 30) / static_cast<uint64_t>(buckets);
    const std::string label = sweep ? "broadcast@bucket=" + std::to_string(bucket_bytes >> 20) + "MiB" : "broadcast";
    StrategyRun bcast = base_run(label, "broadcast", {{"bucket_bytes", bucket_bytes}});
    add_steps(bcast, clock, slowdown * (1.0 + 0.15 * (buckets == 8) + 0.3 * (buckets == 2)),
              [buckets](StrategyRun& r, int s, double t0, double scale) { broadcast_step(r, s, t0, scale, buckets); });
    f.runs.push_back(bcast);
  }
  if (!sweep) {
    StrategyRun rdma = base_run("rdma", "rdma", {{"chunk_bytes", 64 << 20}});
    rdma.transport = "mpi-rma";
    add_steps(rdma, clock, slowdown, rdma_step);
    f.runs.push_back(rdma);
  }
  return f;
}

}  // namespace wxfer::testing
