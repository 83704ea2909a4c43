// The flow model against closed forms (alpha = latency of a path, beta = 1 / bandwidth).
#include <gtest/gtest.h>

#include <cmath>

#include "isolated.hpp"
#include "sim/replay.hpp"

namespace wxfer {
namespace {

// One GPU per node, so every flow crosses NICs: a path is nic_up + nic_down.
ClusterSpec one_gpu_nodes(int32_t nodes) {
  ClusterSpec c;
  c.name = "test";
  c.nodes = nodes;
  c.gpus_per_node = 1;
  c.nics_per_node = 1;
  c.nic_bandwidth = 10e9;
  c.nic_latency = 5e-6;
  c.nodes_per_leaf = 1024;
  c.collective_efficiency = 1.0;
  return c;
}

constexpr double kBytes = 1e9;

TEST(ClosedForm, OneLink) {
  const auto v = testing::isolated([] {
    const SimPlatform p(one_gpu_nodes(2), 2);
    return std::vector<double>{simulate_flows(p, {{0, 1, static_cast<uint64_t>(kBytes)}}, 1)};
  });
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0], 2 * 5e-6 + kBytes / 10e9, 1e-9);
}

TEST(ClosedForm, NvlinkInsideANode) {
  const auto v = testing::isolated([] {
    ClusterSpec c = one_gpu_nodes(1);
    c.gpus_per_node = 2;
    c.nvlink_bandwidth = 100e9;
    c.nvlink_latency = 1e-6;
    const SimPlatform p(c, 2);
    return std::vector<double>{simulate_flows(p, {{0, 1, static_cast<uint64_t>(kBytes)}}, 1)};
  });
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0], 2e-6 + kBytes / 100e9, 1e-9);
}

// A CPU host (node_memory set): every flow inside the node crosses the memory link, so two
// flows between disjoint pairs share it.
ClusterSpec cpu_host() {
  ClusterSpec c = one_gpu_nodes(1);
  c.gpus_per_node = 4;
  c.nic_bandwidth = c.nvlink_bandwidth = 100e9;
  c.nic_latency = c.nvlink_latency = 0;
  c.node_memory_bandwidth = 10e9;
  c.h2d_bandwidth = c.device_copy_bandwidth = c.gather_rate = c.fusion_rate = c.quantization_rate = 10e9;
  return c;
}

TEST(ClosedForm, FlowsInsideACpuHostShareItsMemory) {
  const auto v = testing::isolated([] {
    const SimPlatform p(cpu_host(), 4);
    const auto b = static_cast<uint64_t>(kBytes);
    return std::vector<double>{simulate_flows(p, {{0, 1, b}, {2, 3, b}}, 2)};
  });
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0], 2 * kBytes / 10e9, 1e-9);
}

TEST(ClosedForm, CopiesShareTheCoresWithFlows) {
  const auto b = static_cast<uint64_t>(kBytes);
  const std::vector<Flow> three{{1, 2, b}, {2, 3, b}, {3, 1, b}};
  const auto v = testing::isolated([&] {
    ClusterSpec c = cpu_host();  // MPI alone: 10 GB/s
    c.node_copy_bandwidth = 20e9;
    const SimPlatform p(c, 4);
    // Alone: bytes / rate. Beside three flows held to 10 GB/s by MPI's own limit: the other
    // 10 GB/s of the cores, so again bytes / rate.
    return std::vector<double>{simulate_copy(p, 0, b, 10e9, {}), simulate_copy(p, 0, b, 10e9, three)};
  });
  ASSERT_EQ(v.size(), 2u);
  EXPECT_NEAR(v[0], kBytes / 10e9, 1e-9);
  EXPECT_NEAR(v[1], kBytes / 10e9, 1e-9);
  const auto w = testing::isolated([&] {
    ClusterSpec c = cpu_host();
    c.node_copy_bandwidth = 12e9;  // the cores are the bound: 12 GB/s four ways
    const SimPlatform p(c, 4);
    return std::vector<double>{simulate_copy(p, 0, b, 10e9, three)};
  });
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NEAR(w[0], kBytes / 3e9, 1e-9);
}

TEST(ClosedForm, CopiesShareNothingWithoutNodeCopy) {
  const auto v = testing::isolated([] {
    const SimPlatform p(cpu_host(), 4);
    const auto b = static_cast<uint64_t>(kBytes);
    return std::vector<double>{simulate_copy(p, 0, b, 10e9, {{1, 2, b}, {2, 3, b}, {3, 1, b}})};
  });
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NEAR(v[0], kBytes / 10e9, 1e-9);
}

TEST(ClosedForm, KFlowsShareOneLink) {
  for (int k : {2, 3, 5}) {
    const auto v = testing::isolated([k] {
      const SimPlatform p(one_gpu_nodes(2), 2);
      std::vector<Flow> flows(static_cast<size_t>(k), Flow{0, 1, static_cast<uint64_t>(kBytes)});
      return std::vector<double>{simulate_flows(p, flows, k)};
    });
    ASSERT_EQ(v.size(), 1u);
    // Each gets bw / k: all finish together after k * bytes / bw.
    EXPECT_NEAR(v[0], 2 * 5e-6 + k * kBytes / 10e9, 1e-9) << k;
  }
}

TEST(ClosedForm, StarIntoOneReceiver) {
  const auto v = testing::isolated([] {
    const SimPlatform p(one_gpu_nodes(5), 5);
    std::vector<Flow> flows;
    for (int32_t s = 1; s <= 4; ++s) flows.push_back({s, 0, static_cast<uint64_t>(kBytes)});
    const double into_one = simulate_flows(p, flows, 4);
    flows.clear();
    for (int32_t s = 1; s <= 4; ++s) flows.push_back({0, s, static_cast<uint64_t>(kBytes)});
    return std::vector<double>{into_one, simulate_flows(p, flows, 4)};
  });
  ASSERT_EQ(v.size(), 2u);
  EXPECT_NEAR(v[0], 2 * 5e-6 + 4 * kBytes / 10e9, 1e-9);  // the receiver's link is shared
  EXPECT_NEAR(v[1], 2 * 5e-6 + 4 * kBytes / 10e9, 1e-9);  // the sender's link is shared
}

TEST(ClosedForm, BinomialBroadcastMatchesAlphaBeta) {
  for (int32_t p : {2, 5, 8, 13}) {
    const auto v = testing::isolated([p] {
      ClusterSpec c = one_gpu_nodes(p);
      c.broadcast = BroadcastAlgorithm::binomial;
      const SimPlatform platform(c, p);
      std::vector<int32_t> receivers;
      for (int32_t r = 1; r < p; ++r) receivers.push_back(r);
      return std::vector<double>{simulate_broadcast(platform, 0, receivers, static_cast<uint64_t>(kBytes))};
    });
    ASSERT_EQ(v.size(), 1u);
    const double alpha = 2 * 5e-6, beta = 1 / 10e9;
    EXPECT_NEAR(v[0], std::ceil(std::log2(p)) * (alpha + kBytes * beta), 1e-9) << p;
  }
}

TEST(ClosedForm, RingBroadcastIsBandwidthBound) {
  const auto v = testing::isolated([] {
    ClusterSpec c = one_gpu_nodes(9);
    c.broadcast_channels = 1;
    const SimPlatform platform(c, 9);
    std::vector<int32_t> receivers;
    for (int32_t r = 1; r < 9; ++r) receivers.push_back(r);
    return std::vector<double>{simulate_broadcast(platform, 0, receivers, static_cast<uint64_t>(kBytes))};
  });
  ASSERT_EQ(v.size(), 1u);
  // n beta plus the pipeline fill (p - 2 extra hops of one slice).
  const double fill = 7 * ((512 << 10) / 10e9 + 2 * 5e-6);
  EXPECT_NEAR(v[0], 2 * 5e-6 + kBytes / 10e9 + fill, 1e-9);
}

}  // namespace
}  // namespace wxfer
