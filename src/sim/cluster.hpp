// A modelled cluster, as read from configs/clusters/*.toml (built in) or a user's file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wxfer {

enum class Topology : uint8_t { fat_tree, rail };
// ring: NCCL's pipelined rings; binomial: ceil(log2 p) synchronous rounds; tree and linear:
// Open MPI libnbc's MPI_Ibcast (binomial tree, each rank forwarding the whole buffer to all
// its children at once; linear: the root sends to everyone at once). See docs/simulation.md.
enum class BroadcastAlgorithm : uint8_t { ring, binomial, tree, linear };
const char* broadcast_name(BroadcastAlgorithm a);

struct ClusterSpec {
  std::string name;
  int32_t nodes = 1;  // capacity: a run needing more GPUs is refused
  int32_t gpus_per_node = 8;
  int32_t nics_per_node = 8;        // GPUs share NICs evenly when fewer
  double nic_bandwidth = 50e9;      // bytes/s per NIC per direction
  double nvlink_bandwidth = 450e9;  // bytes/s per GPU per direction
  double h2d_bandwidth = 50e9;
  double device_copy_bandwidth = 1.5e12;
  // Shared by every flow inside a node (0: no such limit). GPUs have none worth modelling
  // (NVSwitch is non-blocking); on a CPU host (`wxfer calibrate`) all ranks' copies share
  // the memory system, and this is its measured aggregate.
  double node_memory_bandwidth = 0;
  // The same node's aggregate memcpy bandwidth with every rank copying (0: unset). When it
  // and node_memory are set (a CPU host), the node has a `cores` link of this bandwidth that
  // every MPI byte and every copy stage (H2D, device copy, gather assembly, fusion,
  // quantization, copy-out) crosses, one stage alone running at its own rate; node_memory
  // stays the bound of MPI alone. MPI's own limit leaves cores to copies; beyond it they
  // share.
  double node_copy_bandwidth = 0;
  bool copies_share_memory() const { return node_memory_bandwidth > 0 && node_copy_bandwidth > 0; }
  double nic_latency = 2e-6;  // per NIC link (a fabric crossing is two)
  double nvlink_latency = 1e-6;
  double barrier_latency = 10e-6;
  Topology topology = Topology::fat_tree;
  int32_t nodes_per_leaf = 16;    // fat-tree leaf size
  double oversubscription = 1.0;  // leaf (or rail) downlinks / uplinks
  double gather_rate = 1.2e12;    // conversion stages, input bytes/s per GPU
  double fusion_rate = 1.2e12;
  double quantization_rate = 8e11;
  // rdma senders read held weights in place ([conversion] in_place): only strided boxes and
  // gathers are copied, as `wxfer run` does on CPUs; false: every held byte is staged in
  // (offloaded weights) and packed by the fusion kernel (see rdma_schedule).
  bool send_in_place = false;
  double p2p_efficiency = 1.0;         // achieved / line rate for point-to-point writes
  double collective_efficiency = 1.0;  // achieved / line rate for broadcasts
  double one_sided_efficiency = 0;     // rdma's one-sided writes; 0: as p2p_efficiency
  double write_efficiency() const { return one_sided_efficiency > 0 ? one_sided_efficiency : p2p_efficiency; }
  // rdma's writes straight from strided held boxes (one put per row; with in_place only,
  // SimChunk::strided_out); 0: as write_efficiency().
  double one_sided_strided_efficiency = 0;
  double strided_write_efficiency() const {
    return one_sided_strided_efficiency > 0 ? one_sided_strided_efficiency : write_efficiency();
  }
  // How the replay is run ([simulation], all optional).
  int32_t flows_per_rank = 2;   // concurrent flows a rank keeps open (see docs/simulation.md)
  int32_t pipeline_depth = 2;   // chunks (rdma) or buckets (broadcast) in flight
  int32_t max_sim_chunks = 12;  // plan chunks are merged into at most this many per rank
  // rdma writes to another node as one flow per (chunk, node) into the node's NICs pooled
  // (fat-tree only; see docs/simulation.md): ~5x fewer flows for full Kimi-K2.
  bool pool_receivers = true;
  BroadcastAlgorithm broadcast = BroadcastAlgorithm::ring;
  int32_t broadcast_channels = 2;  // NCCL rings, each leaving a node through another NIC
  double nccl_slice_bytes = 512 << 10;

  // Per-GPU share of its NIC: what one rank can push through the fabric.
  double gpu_nic_bandwidth() const { return nic_bandwidth * nics_per_node / gpus_per_node; }
  int32_t gpus() const { return nodes * gpus_per_node; }
};

// `spec`: a built-in name (configs/clusters/<name>.toml) or a path to a TOML file.
// Errors are one UsageError naming the file and the key.
ClusterSpec load_cluster(std::string_view spec);
ClusterSpec parse_cluster(std::string_view toml_text, std::string_view source);
std::vector<std::string> builtin_cluster_names();
// Writes a spec back as TOML (wxfer calibrate).
std::string cluster_to_toml(const ClusterSpec& c, std::string_view header_comment);

// "2us", "1.5 ms", "3e-6" (seconds) -> seconds; zero allowed (unlike common parse_seconds).
double parse_latency(std::string_view text, std::string_view what);

}  // namespace wxfer
