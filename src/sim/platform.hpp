// The modelled cluster as a SimGrid platform: one host per GPU, NVLink and NIC links, and
// the fabric (fat-tree leaves and spine, or rails). SimGrid's flow-level max-min model
// shares the links; routes come from a Dijkstra zone over switches and NICs.
#pragma once

#include <cstdint>
#include <vector>

#include <simgrid/s4u.hpp>

#include "sim/cluster.hpp"

namespace wxfer {

// The process-wide SimGrid engine (SimGrid allows one per process), configured for pure
// max-min sharing: CM02 without TCP window bound or cross-traffic, so one flow alone on a
// path takes latency + bytes / bandwidth exactly.
simgrid::s4u::Engine& sim_engine();

// Copy stages on a CPU host (ClusterSpec::copies_share_memory) are flows over the node's
// cores link (node_copy), which MPI flows cross too; one rank's copies run on one core, as
// fast as the fastest copy stage alone (a slower stage holds the core longer per byte).
double fastest_copy(const ClusterSpec& c);

class SimPlatform {
 public:
  // Builds hosts for `gpus` GPUs, filling whole nodes. Once per process.
  SimPlatform(const ClusterSpec& cluster, int32_t gpus);

  const ClusterSpec& cluster() const { return cluster_; }
  int32_t gpus() const { return static_cast<int32_t>(hosts_.size()); }
  simgrid::s4u::Host* host(int32_t gpu) const { return hosts_.at(static_cast<size_t>(gpu)); }
  int32_t node_of(int32_t gpu) const { return gpu / cluster_.gpus_per_node; }
  int32_t nic_of(int32_t gpu) const;  // cluster-wide NIC index
  // The NICs of a node pooled into one receiver (one link of nics x bandwidth from the
  // node's leaf switch); nullptr unless the cluster pools receivers (fat-tree only).
  simgrid::s4u::Host* node_sink(int32_t node) const { return sinks_.empty() ? nullptr : sinks_.at(static_cast<size_t>(node)); }
  // Where a rank's copy stages go when they share the node's memory link with its MPI
  // flows (ClusterSpec::copies_share_memory): a sink reached over that link alone;
  // nullptr otherwise (GPUs: copy engines and kernels of one GPU share nothing).
  simgrid::s4u::Host* copy_sink(int32_t node) const {
    return copy_sinks_.empty() ? nullptr : copy_sinks_.at(static_cast<size_t>(node));
  }
  // Rates a node's pooled link for one replay (see replay_rdma); the platform outlives
  // replays, so every replay sets it for its own receivers.
  void set_pool_bandwidth(int32_t node, double bandwidth) const;
  // Simulated seconds since the engine started.
  static double now() { return simgrid::s4u::Engine::get_clock(); }

 private:
  ClusterSpec cluster_;
  std::vector<simgrid::s4u::Host*> hosts_;
  std::vector<simgrid::s4u::Host*> sinks_;
  std::vector<simgrid::s4u::Host*> copy_sinks_;
  std::vector<simgrid::s4u::Link*> pool_links_;
};

}  // namespace wxfer
