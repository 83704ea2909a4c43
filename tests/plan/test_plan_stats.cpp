#include <gtest/gtest.h>

#include <numeric>

#include "plan/plan.hpp"
#include "plan_fixtures.hpp"

namespace wxfer {
namespace {

TEST(PlanStats, BytesLandedFollowTheInferenceDtype) {
  const auto model = testing::tiny_llama();
  PlanOptions bf16, fp8;
  fp8.inference_dtype = DType::fp8_e4m3;
  const Plan a(model, parse_trainer_layout("fsdp=4"), parse_inference_layout("tp=2,replicas=3"), bf16);
  const Plan b(model, parse_trainer_layout("fsdp=4"), parse_inference_layout("tp=2,replicas=3"), fp8);
  EXPECT_EQ(a.stats().total_bytes % 3, 0u);
  EXPECT_LT(b.stats().total_bytes, a.stats().total_bytes * 6 / 10);
  EXPECT_LT(b.stats().lower_bound_seconds, a.stats().lower_bound_seconds);
}

TEST(PlanStats, SumsAgreeAndBoundIsTheBusiestLink) {
  const auto model = testing::tiny_deepseek();
  PlanOptions opt;
  opt.link_bandwidth = 1e9;
  const Plan p(model, parse_trainer_layout("tp=2,pp=2"), parse_inference_layout("tp=4,ep=2,replicas=2"), opt);
  const auto& s = p.stats();
  EXPECT_EQ(std::accumulate(s.bytes_out.begin(), s.bytes_out.end(), uint64_t{0}), s.total_bytes);
  EXPECT_EQ(std::accumulate(s.bytes_in.begin(), s.bytes_in.end(), uint64_t{0}), s.total_bytes);
  EXPECT_DOUBLE_EQ(s.lower_bound_seconds, static_cast<double>(std::max(s.max_bytes_out, s.max_bytes_in)) / 1e9);
}

TEST(PlanStats, ReplicatedSendersShareTheLoad) {
  // ep=4 keeps four copies of every dense weight: the busiest sender should carry
  // about a quarter of all bytes, not all of the dense ones.
  PlanOptions opt;
  opt.chunk_bytes = 16 << 10;
  const auto moe = testing::tiny_qwen3_moe();
  const Plan p(moe, parse_trainer_layout("ep=4"), parse_inference_layout("tp=1,replicas=4"), opt);
  const auto& s = p.stats();
  const double mean = static_cast<double>(s.total_bytes) / 4.0;
  EXPECT_LT(static_cast<double>(s.max_bytes_out), mean * 1.05);
}

TEST(PlanStats, KimiFsdp256ToTp16Replicas8) {
  const Plan p(load_model("kimi-k2", DType::bf16), parse_trainer_layout("fsdp=256"), parse_inference_layout("tp=16,replicas=8"),
               PlanOptions{});
  const auto& s = p.stats();
  EXPECT_EQ(p.dest().size(), 69975u);
  // Cut tensors land once per replica, replicated ones on all 16 ranks of each replica.
  uint64_t cut = 0, replicated = 0;
  for (const auto& t : p.trainer_model().tensors) (t.split == Split::replicated ? replicated : cut) += t.bytes();
  EXPECT_EQ(s.total_bytes, 8 * (cut + 16 * replicated));
  // Every receiver holds a sixteenth of the cut tensors plus every replicated one (norms,
  // routers, MLA's down-projections).
  const double per_rank = static_cast<double>(cut) / 16 + static_cast<double>(replicated);
  EXPECT_NEAR(static_cast<double>(s.max_bytes_in), per_rank, 0.01 * per_rank);
  EXPECT_GT(s.lower_bound_seconds, 2.5);
  EXPECT_LT(s.lower_bound_seconds, 3.0);
}

}  // namespace
}  // namespace wxfer
