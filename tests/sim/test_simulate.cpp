// Whole strategies on small real-architecture models: never below the lower bound, and
// the same input gives the same timeline.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "../plan/plan_fixtures.hpp"
#include "isolated.hpp"
#include "sim/replay.hpp"
#include "sim/schedule.hpp"
#include "sim/simulate.hpp"
#include "strategy/strategy.hpp"

namespace wxfer {
namespace {

std::vector<double> run(const Model& model, const std::string& cluster, const std::string& trainer, const std::string& inference,
                        DType dtype, bool pool_receivers = true, bool colocated = false) {
  return testing::isolated([&] {
    SimRequest req;
    req.colocated = colocated;
    req.cluster = load_cluster(cluster);
    req.cluster.pool_receivers = pool_receivers;
    req.trainer = parse_trainer_layout(trainer);
    req.inference = parse_inference_layout(inference);
    req.plan.inference_dtype = dtype;
    req.plan.chunk_bytes = 64 << 10;
    req.plan.min_segment_bytes = 4 << 10;
    req.bucket_bytes = 256 << 10;
    for (const StrategyEntry& s : strategy_registry()) req.strategies.emplace_back(s.name);  // every one replays
    const SimResult r = simulate(model, req);
    std::vector<double> out;  // (seconds, bound, digest) per strategy
    for (const auto& row : r.rows) {
      out.push_back(row.seconds);
      out.push_back(row.lower_bound_seconds);
      out.push_back(static_cast<double>(row.digest >> 12));
    }
    return out;
  });
}

struct Case {
  const char* cluster;
  const char* trainer;
  const char* inference;
  DType dtype;
};

TEST(Simulate, NeverBeatsTheLowerBound) {
  const Case cases[] = {{"h100-ib400", "fsdp=8", "tp=2,replicas=2", DType::fp8_e4m3},
                        {"h800-ib", "tp=2,pp=3,ep=2", "tp=4,ep=2,replicas=3", DType::fp8_e4m3},
                        {"h20-ib", "fsdp=12", "tp=4", DType::bf16},
                        {"h100-ib400", "fsdp=3", "tp=1,replicas=16", DType::bf16}};
  // Pooled receivers (the default) and one flow per receiver both stay above the per-NIC bound.
  for (const bool pool : {true, false})
    for (const auto& c : cases) {
      const auto v = run(testing::tiny_deepseek(), c.cluster, c.trainer, c.inference, c.dtype, pool);
      ASSERT_EQ(v.size(), 9u) << c.trainer << " -> " << c.inference;
      for (size_t i = 0; i < 9; i += 3) {
        EXPECT_GT(v[i + 1], 0);
        EXPECT_GE(v[i], v[i + 1]) << c.trainer << " -> " << c.inference << " run " << i / 3 << " pool " << pool;
      }
    }
}

// Colocated: inference rank i on trainer i's GPU; the replay moves a GPU's bytes to itself
// as a device copy, and only bytes between nodes count against the NICs in the bound.
TEST(Simulate, ColocatedPlacesInferenceOnTheTrainersGpus) {
  const ClusterSpec c = load_cluster("h20-ib");
  const RankMap apart = place_ranks(c, 12, 4), shared = place_ranks(c, 12, 4, true);
  EXPECT_EQ(apart.first_inference, 16) << "the next whole node";
  EXPECT_EQ(gpus_used(apart), 20);
  EXPECT_EQ(shared.first_inference, 0);
  EXPECT_EQ(shared.inference_gpu(3), shared.trainer_gpu(3));
  EXPECT_EQ(gpus_used(shared), 12);
  EXPECT_EQ(gpus_used(place_ranks(c, 4, 20, true)), 20);
}

TEST(Simulate, ColocatedNeverBeatsTheLowerBound) {
  // Two nodes of one tp group, one node, and replicas spread over three nodes.
  const Case cases[] = {{"h20-ib", "fsdp=16", "tp=4,replicas=4", DType::fp8_e4m3},
                        {"h800-ib", "fsdp=8", "tp=4,replicas=2", DType::bf16},
                        {"h100-ib400", "fsdp=4", "tp=4,replicas=6", DType::bf16}};
  for (const auto& c : cases) {
    const auto v = run(testing::tiny_deepseek(), c.cluster, c.trainer, c.inference, c.dtype, true, true);
    ASSERT_EQ(v.size(), 9u) << c.trainer << " -> " << c.inference;
    for (size_t i = 0; i < 9; i += 3) {
      EXPECT_GT(v[i], 0);
      EXPECT_GE(v[i], v[i + 1]) << c.trainer << " -> " << c.inference << " run " << i / 3;
    }
  }
}

TEST(Schedule, GroupSizesCoverEveryChunk) {
  for (const int32_t n : {0, 1, 2, 7, 100, 5000})
    for (const int32_t groups : {1, 2, 3, 12}) {
      const auto sizes = group_sizes(n, groups);
      int32_t total = 0;
      for (const int32_t s : sizes) total += s;
      EXPECT_EQ(total, n) << n << " in " << groups;
      EXPECT_LE(static_cast<int32_t>(sizes.size()), groups) << n << " in " << groups;
      if (n > 1 && groups > 1) {
        EXPECT_EQ(sizes.front(), 1) << "the pipeline fills with one chunk";
      }
    }
}

TEST(Simulate, OtherArchitectures) {
  for (const auto& m : {testing::tiny_llama(), testing::tiny_qwen3_moe()}) {
    const auto v = run(m, "h100-ib400", "fsdp=4", "tp=2,replicas=2", DType::bf16);
    ASSERT_EQ(v.size(), 9u) << m.name;
    for (size_t i = 0; i < 9; i += 3) EXPECT_GE(v[i], v[i + 1]) << m.name;
  }
}

TEST(Simulate, SameInputSameTimeline) {
  const auto a = run(testing::tiny_deepseek(), "h100-ib400", "fsdp=8", "tp=4,replicas=2", DType::fp8_e4m3);
  const auto b = run(testing::tiny_deepseek(), "h100-ib400", "fsdp=8", "tp=4,replicas=2", DType::fp8_e4m3);
  ASSERT_EQ(a.size(), 9u);
  EXPECT_EQ(a, b);
}

// rdma on a CPU host (in_place): column boxes of held rows are not staged in but written in
// place as strided puts; every such byte is in its chunk's strided_out, and strided_share
// counts the same bytes with their rows.
TEST(Simulate, StridedBoxesAreWrittenInPlace) {
  PlanOptions opt;
  opt.chunk_bytes = 64 << 10;
  opt.min_segment_bytes = 4 << 10;
  const Plan plan(testing::tiny_deepseek(), parse_trainer_layout("fsdp=2"), parse_inference_layout("tp=2"), opt);
  const StridedShare share = strided_share(plan);
  ASSERT_GT(share.bytes, 0u);
  ASSERT_GT(share.rows, 0u);
  EXPECT_LT(share.bytes, share.total);
  EXPECT_EQ(share.bytes % share.rows, 0u);  // whole rows of bf16
  uint64_t strided = 0, staged_in_place = 0, staged = 0, total = 0;
  for (const auto& mine : rdma_schedule(plan, 12, 8, /*in_place=*/true))
    for (const SimChunk& c : mine) {
      for (const auto& [dest, b] : c.strided_out) strided += b;
      staged_in_place += c.stage_in;
      total += c.bytes;
    }
  for (const auto& mine : rdma_schedule(plan, 12, 8, /*in_place=*/false))
    for (const SimChunk& c : mine) {
      EXPECT_TRUE(c.strided_out.empty());
      staged += c.stage_in;
    }
  EXPECT_EQ(strided, share.bytes);
  EXPECT_EQ(total, share.total);
  EXPECT_EQ(staged_in_place, 0u);  // only the strided boxes were staged in place before
  EXPECT_GT(staged, share.bytes);  // offloaded: every held byte
}

}  // namespace
}  // namespace wxfer

namespace wxfer {
namespace {

TEST(Schedule, DeltaCostIsTheSmallerEncoding) {
  // bf16 at 2%: a u16 index and a bf16 value per change (4 bytes per 50 elements of 2 bytes).
  const DeltaCost sparse = delta_cost(0.02, 2);
  EXPECT_NEAR(sparse.wire, 0.04, 1e-4);
  EXPECT_NEAR(sparse.touched, 1 - std::pow(0.98, 16), 1e-12);
  EXPECT_DOUBLE_EQ(sparse.mask, 1.0 / 16);
  // Dense: a bit per element beats an index per change; everything changed: whole.
  EXPECT_NEAR(delta_cost(0.3, 2).wire, (1.0 / 8 + 0.6) / 2, 1e-12);
  const DeltaCost whole = delta_cost(1.0, 2);
  EXPECT_DOUBLE_EQ(whole.wire, 1.0);
  EXPECT_DOUBLE_EQ(whole.touched, 1.0);
  EXPECT_DOUBLE_EQ(whole.mask, 0.0);
  // fp8: a value is one byte, an index two.
  EXPECT_NEAR(delta_cost(0.02, 1).wire, 0.06, 1e-4);
}

TEST(Simulate, DeltaSendsThePatchesAndBeatsTheWholeUpdate) {
  const auto sim = [](double density) {
    return testing::isolated([&] {
      SimRequest req;
      req.cluster = load_cluster("h100-ib400");
      req.trainer = parse_trainer_layout("fsdp=8");
      req.inference = parse_inference_layout("tp=2,replicas=2");
      req.plan.chunk_bytes = 64 << 10;
      req.plan.min_segment_bytes = 4 << 10;
      req.strategies = {"broadcast", "rdma"};
      req.delta_strategies = {"rdma"};
      req.delta_density = density;
      const SimResult r = simulate(testing::tiny_deepseek(), req);
      std::vector<double> out;  // per run: seconds, bytes landed / whole, delta, changed, apply events
      for (const auto& run : r.file.runs) {
        const StepRecord& s = run.steps.at(0);
        double applies = 0;
        for (const Event& e : run.events) applies += std::string(e.stage) == "apply" ? 1 : 0;
        out.insert(out.end(), {s.seconds, static_cast<double>(s.bytes_landed) / static_cast<double>(run.bytes_per_step),
                               static_cast<double>(s.delta), s.changed_fraction, applies});
      }
      return out;
    });
  };
  const auto whole = sim(-1), delta = sim(0.02);
  ASSERT_EQ(whole.size(), 10u);
  ASSERT_EQ(delta.size(), 10u);
  // broadcast sends whole updates either way.
  EXPECT_EQ(delta[0], whole[0]);
  EXPECT_EQ(delta[2], 0);
  // rdma: patches on the wire, one apply per inference rank, faster than whole.
  EXPECT_EQ(whole[7], 0);
  EXPECT_DOUBLE_EQ(delta[7], 1);
  EXPECT_DOUBLE_EQ(delta[8], 0.02);
  EXPECT_NEAR(delta[6], delta_cost(0.02, 2).wire, 1e-6);
  EXPECT_DOUBLE_EQ(delta[9], 4);
  EXPECT_LT(delta[5], whole[5]);
}

}  // namespace
}  // namespace wxfer
