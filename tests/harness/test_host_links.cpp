// The network side of the bound across hosts: the bytes the plan sends across each host's
// link, and the busiest link's time.
#include "harness/host_links.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "../plan/plan_fixtures.hpp"
#include "layout/layout.hpp"

namespace wxfer {
namespace {

Plan tiny_plan() {
  return Plan(testing::tiny_deepseek(), parse_trainer_layout("fsdp=2"), parse_inference_layout("tp=2,replicas=2"), PlanOptions{});
}

HostMap map_of(std::vector<int> host_of_rank, int hosts) {
  HostMap m;
  for (int h = 0; h < hosts; ++h) m.names.push_back("h" + std::to_string(h));
  m.host_of_rank = std::move(host_of_rank);
  return m;
}

uint64_t sum(const std::vector<uint64_t>& v) { return std::accumulate(v.begin(), v.end(), uint64_t{0}); }

TEST(HostTraffic, OneHostSendsNothingAcross) {
  const Plan plan = tiny_plan();
  const HostTraffic t = host_traffic(plan, RankLayout{2, 4}, map_of({0, 0, 0, 0, 0, 0}, 1));
  EXPECT_EQ(t.out, std::vector<uint64_t>{0});
  EXPECT_EQ(t.in, std::vector<uint64_t>{0});
}

// Trainers on one host, every inference rank on another: every landed byte crosses once.
TEST(HostTraffic, TrainersApartSendEverything) {
  const Plan plan = tiny_plan();
  const HostTraffic t = host_traffic(plan, RankLayout{2, 4}, map_of({0, 0, 1, 1, 1, 1}, 2));
  EXPECT_EQ(t.out, (std::vector<uint64_t>{plan.stats().total_bytes, 0}));
  EXPECT_EQ(t.in, (std::vector<uint64_t>{0, plan.stats().total_bytes}));
}

// One inference replica beside the trainers, one on a host of its own: only the second
// replica's bytes cross, and what leaves equals what enters.
TEST(HostTraffic, ReplicaBesideTheTrainersStaysHome) {
  const Plan plan = tiny_plan();
  const HostTraffic t = host_traffic(plan, RankLayout{2, 4}, map_of({0, 0, 0, 0, 1, 1}, 2));
  EXPECT_EQ(sum(t.out), sum(t.in));
  EXPECT_EQ(t.in[1], plan.local_bytes(2) + plan.local_bytes(3));
  EXPECT_EQ(t.in[0], 0u);
  EXPECT_EQ(t.out[1], 0u);
}

TEST(NetworkBound, BusiestDirectionOfTheBusiestHost) {
  const HostTraffic t{{1000, 0, 300}, {0, 900, 400}};
  const HostLinkRates r{{100, 100, 10}, {100, 30, 100}};
  const NetworkBound b = network_bound(t, r);
  // host 0 out: 10 s; host 1 in: 30 s; host 2 out: 30 s (ties keep the first), in: 4 s.
  EXPECT_DOUBLE_EQ(b.seconds, 30.0);
  EXPECT_EQ(b.host, 1);
  EXPECT_FALSE(b.sending);
  EXPECT_DOUBLE_EQ(b.rate, 30.0);
}

TEST(NetworkBound, NoRateNoBound) {
  const NetworkBound b = network_bound(HostTraffic{{5}, {5}}, HostLinkRates{{0}, {0}});
  EXPECT_EQ(b.seconds, 0.0);
  EXPECT_EQ(b.host, -1);
}

}  // namespace
}  // namespace wxfer
