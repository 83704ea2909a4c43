#include <gtest/gtest.h>

#include <set>

#include "plan/buckets.hpp"
#include "plan_fixtures.hpp"

namespace wxfer {
namespace {

TEST(Buckets, EverySegmentOnceWithinTheSizeAndOwnersTakeTurns) {
  PlanOptions opt;
  opt.chunk_bytes = 32 << 10;
  const Plan plan(testing::tiny_deepseek(), parse_trainer_layout("fsdp=3"), parse_inference_layout("tp=2,replicas=2"), opt);
  const Plan whole = whole_model_plan(plan);
  EXPECT_EQ(whole.inference_ranks(), 1);
  EXPECT_EQ(whole.stats().total_bytes, whole.dest_model().bytes());
  const auto buckets = pack_buckets(whole, 100 << 10);
  std::set<uint32_t> seen;
  uint64_t bytes = 0;
  for (const auto& b : buckets) {
    EXPECT_TRUE(b.bytes <= (100u << 10) || b.segments.size() == 1);
    for (uint32_t s : b.segments) {
      EXPECT_TRUE(seen.insert(s).second);
      EXPECT_EQ(whole.source_rank(whole.segments()[s], 0), b.owner);
      bytes += whole.segments()[s].bytes;
    }
  }
  EXPECT_EQ(seen.size(), whole.segments().size());
  EXPECT_EQ(bytes, whole.dest_model().bytes());
  ASSERT_GE(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].owner, 0);
  EXPECT_EQ(buckets[1].owner, 1);
  EXPECT_EQ(buckets[2].owner, 2);
}

}  // namespace
}  // namespace wxfer
