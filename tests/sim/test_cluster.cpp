#include <gtest/gtest.h>

#include "common/error.hpp"
#include "sim/cluster.hpp"

namespace wxfer {
namespace {

std::string error_of(const std::string& toml) {
  try {
    parse_cluster(toml, "test.toml");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Cluster, BuiltinsParse) {
  for (const auto& name : {"h100-ib400", "h800-ib", "h20-ib"}) {
    const ClusterSpec c = load_cluster(name);
    EXPECT_EQ(c.name, name);
    EXPECT_EQ(c.gpus_per_node, 8);
    EXPECT_DOUBLE_EQ(c.nic_bandwidth, 50e9);
  }
  EXPECT_DOUBLE_EQ(load_cluster("h800-ib").nvlink_bandwidth, 200e9);
  EXPECT_EQ(load_cluster("h800-ib").topology, Topology::rail);
  EXPECT_DOUBLE_EQ(load_cluster("h20-ib").gpu_nic_bandwidth(), 25e9);
  EXPECT_DOUBLE_EQ(load_cluster("h100-ib400").nic_latency, 2e-6);
}

TEST(Cluster, ErrorsNameTheKey) {
  EXPECT_NE(error_of("[bandwidth]\nnic = \"fast\"\n").find("key 'bandwidth.nic'"), std::string::npos);
  EXPECT_NE(error_of("[bandwith]\nnic = \"1GB/s\"\n").find("key 'bandwith.nic': unknown key"), std::string::npos);
  EXPECT_NE(error_of("[topology]\nkind = \"torus\"\n").find("key 'topology.kind'"), std::string::npos);
  EXPECT_NE(error_of("[node]\ngpus = 8\nnics = 3\n").find("key 'node.nics'"), std::string::npos);
  EXPECT_NE(error_of("[latency]\nnic = \"2 fortnights\"\n").find("key 'latency.nic'"), std::string::npos);
  EXPECT_NE(error_of("nodes = [\n").find("cluster 'test.toml': line"), std::string::npos);
  EXPECT_THROW(load_cluster("/no/such/cluster.toml"), UsageError);
}

TEST(Cluster, NumbersAndUnits) {
  const ClusterSpec c = parse_cluster("[bandwidth]\nnic = 12.5e9\nnvlink = \"100GB/s\"\n[latency]\nnic = 3e-6\n", "x");
  EXPECT_DOUBLE_EQ(c.nic_bandwidth, 12.5e9);
  EXPECT_DOUBLE_EQ(c.nvlink_bandwidth, 100e9);
  EXPECT_DOUBLE_EQ(c.nic_latency, 3e-6);
  EXPECT_DOUBLE_EQ(parse_latency("1.5ms", "t"), 1.5e-3);
}

TEST(Cluster, RoundTripsThroughToml) {
  ClusterSpec c = load_cluster("h20-ib");
  c.name = "copy";
  const ClusterSpec back = parse_cluster(cluster_to_toml(c, "# test\n"), "copy");
  EXPECT_DOUBLE_EQ(back.nic_bandwidth, c.nic_bandwidth);
  EXPECT_EQ(back.nics_per_node, 4);
  EXPECT_DOUBLE_EQ(back.quantization_rate, c.quantization_rate);
  EXPECT_DOUBLE_EQ(back.node_memory_bandwidth, 0);  // not written when absent
}

TEST(Cluster, CalibratedKeysRoundTrip) {
  ClusterSpec c;
  c.name = "local";
  c.nodes = 1;
  c.gpus_per_node = 8;
  c.nics_per_node = 1;
  c.node_memory_bandwidth = 6.5e9;
  c.one_sided_efficiency = 0.75;
  c.broadcast = BroadcastAlgorithm::binomial;
  c.broadcast_channels = 1;
  const ClusterSpec back = parse_cluster(cluster_to_toml(c, "# calibrated\n"), "local");
  EXPECT_DOUBLE_EQ(back.node_memory_bandwidth, 6.5e9);
  EXPECT_DOUBLE_EQ(back.write_efficiency(), 0.75);
  EXPECT_EQ(back.broadcast, BroadcastAlgorithm::binomial);
  EXPECT_EQ(back.broadcast_channels, 1);
  EXPECT_EQ(back.gpus(), 8);
  EXPECT_DOUBLE_EQ(back.node_copy_bandwidth, 0);
  EXPECT_FALSE(back.copies_share_memory());
  EXPECT_FALSE(back.send_in_place);
}

TEST(Cluster, CopySharingKeys) {
  const ClusterSpec c =
      parse_cluster("[bandwidth]\nnode_memory = \"9 GB/s\"\nnode_copy = 1.6e10\n[conversion]\nin_place = \"true\"\n", "t");
  EXPECT_DOUBLE_EQ(c.node_copy_bandwidth, 16e9);
  EXPECT_TRUE(c.copies_share_memory());
  EXPECT_TRUE(c.send_in_place);
  const ClusterSpec back = parse_cluster(cluster_to_toml(c, ""), "t");
  EXPECT_DOUBLE_EQ(back.node_copy_bandwidth, 16e9);
  EXPECT_TRUE(back.send_in_place);
  EXPECT_THROW(parse_cluster("[conversion]\nin_place = \"yes\"\n", "t"), UsageError);
  for (const auto& name : builtin_cluster_names()) {
    const ClusterSpec b = load_cluster(name);
    EXPECT_FALSE(b.copies_share_memory()) << name;
    EXPECT_FALSE(b.send_in_place) << name;
  }
}

TEST(Cluster, StridedWriteEfficiency) {
  // Absent: strided writes go at the one-sided efficiency (shipped files keep their results).
  ClusterSpec c = parse_cluster("[efficiency]\none_sided = 0.8\n", "t");
  EXPECT_DOUBLE_EQ(c.strided_write_efficiency(), 0.8);
  EXPECT_DOUBLE_EQ(parse_cluster("[efficiency]\np2p = 0.7\n", "t").strided_write_efficiency(), 0.7);
  c = parse_cluster("[efficiency]\none_sided = 0.8\none_sided_strided = 0.4\n", "t");
  EXPECT_DOUBLE_EQ(c.write_efficiency(), 0.8);
  EXPECT_DOUBLE_EQ(c.strided_write_efficiency(), 0.4);
  EXPECT_DOUBLE_EQ(parse_cluster(cluster_to_toml(c, ""), "t").strided_write_efficiency(), 0.4);
  for (const auto& name : builtin_cluster_names()) {
    const ClusterSpec b = load_cluster(name);
    EXPECT_DOUBLE_EQ(b.strided_write_efficiency(), b.write_efficiency()) << name;
  }
  // A bad value: one line naming the key and the value.
  for (const char* bad : {"1.5", "0", "\"fast\""}) {
    const std::string e = error_of(std::string("[efficiency]\none_sided_strided = ") + bad + "\n");
    EXPECT_NE(e.find("key 'efficiency.one_sided_strided'"), std::string::npos) << e;
    EXPECT_NE(e.find(std::string("got ") + bad), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST(Cluster, BroadcastAlgorithms) {
  for (const auto a :
       {BroadcastAlgorithm::ring, BroadcastAlgorithm::binomial, BroadcastAlgorithm::tree, BroadcastAlgorithm::linear}) {
    const ClusterSpec c = parse_cluster(std::string("[simulation]\nbroadcast = \"") + broadcast_name(a) + "\"\n", "t");
    EXPECT_EQ(c.broadcast, a);
    EXPECT_EQ(parse_cluster(cluster_to_toml(c, ""), "t").broadcast, a);
  }
  EXPECT_NE(error_of("[simulation]\nbroadcast = \"chain\"\n").find("got \"chain\""), std::string::npos);
}

}  // namespace
}  // namespace wxfer
