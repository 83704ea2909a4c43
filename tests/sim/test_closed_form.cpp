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

// rdma: the bytes a sender writes straight from strided held boxes go at the strided put
// efficiency, the rest at the one-sided one: one chunk of B bytes, S of them strided, to one
// receiver on another node takes alpha + ((B - S) / e + S / e_strided) beta + the commit.
constexpr uint64_t kChunk = 1'000'000'000, kStrided = 300'000'000;

TEST(ClosedForm, StridedShareOfAnRdmaChunk) {
  std::vector<double> v;
  for (const double strided_efficiency : {0.0, 0.8, 0.4}) {
    const auto r = testing::isolated([strided_efficiency] {
      ClusterSpec c = one_gpu_nodes(2);
      c.pool_receivers = false;
      c.one_sided_efficiency = 0.8;
      c.one_sided_strided_efficiency = strided_efficiency;
      const SimPlatform p(c, 2);
      SimChunk ch;
      ch.plan_chunks = 1;
      ch.out = {{0, kChunk}};
      ch.strided_out = {{0, kStrided}};
      ch.bytes = kChunk;
      return std::vector<double>{replay_rdma(p, place_ranks(c, 1, 1), {{ch}}).seconds, c.barrier_latency};
    });
    v.insert(v.end(), r.begin(), r.end());
  }
  ASSERT_EQ(v.size(), 6u);
  const double alpha = 2 * 5e-6, beta = 1 / 10e9;
  // Unset: as the one-sided efficiency; 0.4: the strided share takes twice as long.
  EXPECT_NEAR(v[0], alpha + kChunk / 0.8 * beta + v[1], 1e-9);
  EXPECT_NEAR(v[2], v[0], 1e-9);
  EXPECT_NEAR(v[4], alpha + ((kChunk - kStrided) / 0.8 + kStrided / 0.4) * beta + v[5], 1e-9);
  EXPECT_NEAR(v[4] - v[0], kStrided * (1 / 0.4 - 1 / 0.8) * beta, 1e-9);
}

// Open MPI's MPI_Ibcast (libnbc): linear, the root's link carries every copy; tree (a
// binomial tree of whole-buffer sends, each rank sending to all its children at once): for
// 5 ranks the root sends to vranks 1, 2, 4 at once (3 n beta), then 1 sends to 3 (n beta).
TEST(ClosedForm, LibnbcBroadcasts) {
  std::vector<double> v;
  for (const auto a : {BroadcastAlgorithm::linear, BroadcastAlgorithm::tree})
    for (const int32_t p : {4, 5, 8}) {
      const auto r = testing::isolated([a, p] {
        ClusterSpec c = one_gpu_nodes(p);
        c.broadcast = a;
        const SimPlatform platform(c, p);
        std::vector<int32_t> receivers;
        for (int32_t i = 1; i < p; ++i) receivers.push_back(i);
        return std::vector<double>{simulate_broadcast(platform, 0, receivers, static_cast<uint64_t>(kBytes))};
      });
      v.insert(v.end(), r.begin(), r.end());
    }
  ASSERT_EQ(v.size(), 6u);
  const double alpha = 2 * 5e-6, beta = 1 / 10e9;
  // linear: p - 1 copies through the root's link at once.
  EXPECT_NEAR(v[0], alpha + 3 * kBytes * beta, 1e-9);
  EXPECT_NEAR(v[1], alpha + 4 * kBytes * beta, 1e-9);
  EXPECT_NEAR(v[2], alpha + 7 * kBytes * beta, 1e-9);
  // tree, 4 ranks: root -> 1, 2 (2 n beta); then 1 -> 3 (n beta).
  EXPECT_NEAR(v[3], 2 * alpha + 3 * kBytes * beta, 1e-9);
  // 5 ranks: root -> 1, 2, 4 (3 n beta); then 1 -> 3.
  EXPECT_NEAR(v[4], 2 * alpha + 4 * kBytes * beta, 1e-9);
  // 8 ranks: root -> 1, 2, 4 (3 n beta); then 1 -> 3, 5 and 2 -> 6 (2 n beta, 1's link); then 3 -> 7 (n beta).
  EXPECT_NEAR(v[5], 3 * alpha + 6 * kBytes * beta, 1e-9);
}

}  // namespace
}  // namespace wxfer
