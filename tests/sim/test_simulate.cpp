// Whole strategies on small real-architecture models: never below the lower bound, and
// the same input gives the same timeline.
#include <gtest/gtest.h>

#include "../plan/plan_fixtures.hpp"
#include "isolated.hpp"
#include "sim/simulate.hpp"

namespace wxfer {
namespace {

std::vector<double> run(const Model& model, const std::string& cluster, const std::string& trainer,
                        const std::string& inference, DType dtype) {
  return testing::isolated([&] {
    SimRequest req;
    req.cluster = load_cluster(cluster);
    req.trainer = parse_trainer_layout(trainer);
    req.inference = parse_inference_layout(inference);
    req.plan.inference_dtype = dtype;
    req.plan.chunk_bytes = 64 << 10;
    req.plan.min_segment_bytes = 4 << 10;
    req.bucket_bytes = 256 << 10;
    req.strategies = {"gather", "broadcast", "rdma"};
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
  for (const auto& c : cases) {
    const auto v = run(testing::tiny_deepseek(), c.cluster, c.trainer, c.inference, c.dtype);
    ASSERT_EQ(v.size(), 9u) << c.trainer << " -> " << c.inference;
    for (size_t i = 0; i < 9; i += 3) {
      EXPECT_GT(v[i + 1], 0);
      EXPECT_GE(v[i], v[i + 1]) << c.trainer << " -> " << c.inference << " run " << i / 3;
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

}  // namespace
}  // namespace wxfer
