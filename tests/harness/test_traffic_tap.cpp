// The traffic check's comparison and the --inject parser.
#include "harness/traffic_tap.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace wxfer {
namespace {

const RankLayout kRanks{2, 2};  // world ranks 0, 1 train; 2, 3 serve inference

TEST(TrafficMismatch, ExactTrafficPasses) {
  EXPECT_FALSE(traffic_mismatch(0, {{2, 100}, {3, 50}}, {{2, 100}, {3, 50}}, kRanks));
  EXPECT_FALSE(traffic_mismatch(1, {}, {}, kRanks));
  EXPECT_FALSE(traffic_mismatch(1, {{3, 0}}, {}, kRanks)) << "a pair with 0 bytes is no traffic";
}

TEST(TrafficMismatch, NamesThePairAndBothAmounts) {
  EXPECT_EQ(traffic_mismatch(0, {{2, 200}, {3, 50}}, {{2, 100}, {3, 50}}, kRanks),
            "traffic check failed: trainer rank 0 sent 200 bytes to inference rank 2, the plan assigns 100 (more: a "
            "duplicate or a wrong sender)");
  EXPECT_EQ(traffic_mismatch(1, {{2, 100}}, {{2, 100}, {3, 40}}, kRanks),
            "traffic check failed: trainer rank 1 sent 0 bytes to inference rank 3, the plan assigns 40 (fewer: a dropped or "
            "misdirected transfer)");
}

// Replicas swapped: each receiver got the other's bytes, so both pairs are off.
TEST(TrafficMismatch, SwappedReplicasAreCaught) {
  EXPECT_TRUE(traffic_mismatch(0, {{2, 30}, {3, 70}}, {{2, 70}, {3, 30}}, kRanks));
}

TEST(ParseFault, KindsAndKeys) {
  EXPECT_EQ(parse_fault("corrupt").kind, Fault::Kind::corrupt);
  const Fault f = parse_fault("swap-scales:rank=3,step=1");
  EXPECT_EQ(f.kind, Fault::Kind::swap_scales);
  EXPECT_EQ(f.rank, 3);
  EXPECT_EQ(f.step, 1);
  EXPECT_EQ(parse_fault("drop:step=2").rank, 0);
  EXPECT_EQ(parse_fault("duplicate").kind, Fault::Kind::duplicate);
  EXPECT_EQ(parse_fault("stall:rank=2").kind, Fault::Kind::stall);
  EXPECT_EQ(parse_fault("kill:step=1").kind, Fault::Kind::kill);
}

TEST(ParseFault, BadValuesAreUsageErrorsNamingThem) {
  for (const char* bad : {"hang", "drop:rank=-1", "drop:rank=x", "drop:when=1", "corrupt:step="}) {
    try {
      parse_fault(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("invalid --inject '") + bad + "'"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace wxfer
