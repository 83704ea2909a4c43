#include "sim/platform.hpp"

#include <algorithm>
#include <string>

#include "common/error.hpp"

namespace sg4 = simgrid::s4u;

namespace wxfer {
namespace {

using Dir = sg4::LinkInRoute::Direction;

sg4::Link* make_link(sg4::NetZone* zone, const std::string& name, double bandwidth, double latency) {
  return zone->create_link(name, bandwidth)->set_latency(latency)->seal();
}

// One directed edge of the routing graph. Dijkstra counts hops: GPUs of a node are one hop
// apart (NVLink through the NVSwitch), GPUs of one leaf or rail two (NIC, switch, NIC).
void edge(sg4::NetZone* zone, simgrid::kernel::routing::NetPoint* a, simgrid::kernel::routing::NetPoint* b,
          const std::vector<sg4::Link*>& links) {
  std::vector<sg4::LinkInRoute> route;
  for (auto* l : links) route.emplace_back(l, Dir::NONE);
  zone->add_route(a, b, nullptr, nullptr, route, false);
}

}  // namespace

double fastest_copy(const ClusterSpec& c) {
  return std::max({c.h2d_bandwidth, c.device_copy_bandwidth, c.gather_rate, c.fusion_rate, c.quantization_rate});
}

sg4::Engine& sim_engine() {
  static sg4::Engine* engine = [] {
    static int argc = 2;
    static char arg0[] = "wxfer";
    static char arg1[] = "--log=root.thres:critical";
    static char* argv[] = {arg0, arg1, nullptr};
    auto* e = new sg4::Engine(&argc, argv);
    e->set_config("network/model:CM02");
    e->set_config("network/crosstraffic:0");
    e->set_config("network/TCP-gamma:0");
    return e;
  }();
  return *engine;
}

int32_t SimPlatform::nic_of(int32_t gpu) const {
  const int32_t local = gpu % cluster_.gpus_per_node;
  return node_of(gpu) * cluster_.nics_per_node + local * cluster_.nics_per_node / cluster_.gpus_per_node;
}

void SimPlatform::set_pool_bandwidth(int32_t node, double bandwidth) const {
  pool_links_.at(static_cast<size_t>(node))->set_bandwidth(bandwidth);
}

SimPlatform::SimPlatform(const ClusterSpec& cluster, int32_t gpus) : cluster_(cluster) {
  const ClusterSpec& c = cluster_;
  if (gpus > c.gpus())
    throw_usage("cluster '" + c.name + "' has " + std::to_string(c.gpus()) + " GPUs; this run needs " + std::to_string(gpus));
  sim_engine();
  const int32_t nodes = (gpus + c.gpus_per_node - 1) / c.gpus_per_node;
  auto* zone = sg4::create_dijkstra_zone("cluster", true);

  // Switches: fat-tree leaves (or one switch per rail), each with an aggregate uplink to
  // the spine sized by the oversubscription (perfect ECMP balance within it). On rails,
  // cross-rail traffic is 3 hops over NVLink to a GPU on the right rail (PXN, as NCCL does)
  // against 4 through the spine.
  const bool rail = c.topology == Topology::rail;
  const int32_t groups = rail ? c.nics_per_node : (nodes + c.nodes_per_leaf - 1) / c.nodes_per_leaf;
  auto* spine = zone->create_router("spine");
  std::vector<simgrid::kernel::routing::NetPoint*> group_switch;
  for (int32_t g = 0; g < groups; ++g) {
    const int32_t members = rail ? nodes : std::min(c.nodes_per_leaf, nodes - g * c.nodes_per_leaf) * c.nics_per_node;
    const double up = members * c.nic_bandwidth / c.oversubscription;
    auto* sw = zone->create_router("switch" + std::to_string(g));
    edge(zone, sw, spine, {make_link(zone, "uplink" + std::to_string(g), up, 0)});
    edge(zone, spine, sw, {make_link(zone, "downlink" + std::to_string(g), up, 0)});
    group_switch.push_back(sw);
  }

  // Latencies live on the endpoint links only, so every fabric crossing has the same
  // round trip and CM02's RTT weighting treats all flows alike.
  for (int32_t n = 0; n < nodes; ++n) {
    std::vector<sg4::Link*> nic_up, nic_down, nvl_up, nvl_down;
    for (int32_t k = 0; k < c.nics_per_node; ++k) {
      const std::string nic = std::to_string(n) + "_" + std::to_string(k);
      nic_up.push_back(make_link(zone, "nic_up" + nic, c.nic_bandwidth, c.nic_latency));
      nic_down.push_back(make_link(zone, "nic_down" + nic, c.nic_bandwidth, c.nic_latency));
    }
    if (c.pool_receivers && !rail) {
      auto* sink = zone->create_host("node_in" + std::to_string(n), 1e12)->seal();
      auto* sw = group_switch[static_cast<size_t>(n / c.nodes_per_leaf)];
      pool_links_.push_back(make_link(zone, "pool_down" + std::to_string(n), c.nics_per_node * c.nic_bandwidth, c.nic_latency));
      edge(zone, sw, sink->get_netpoint(), {pool_links_.back()});
      sinks_.push_back(sink);
    }
    // A CPU host's memory link (node_memory) carries every byte its ranks move, whether to
    // another rank of the node or through a NIC. Dijkstra takes the route with the fewest
    // links, so the NIC edges carry it too (the direct route, 3 links, beats the loop
    // through the switch, 4; with the cores link below, 4 against 6).
    sg4::Link* memory =
        c.node_memory_bandwidth > 0 ? make_link(zone, "memory" + std::to_string(n), c.node_memory_bandwidth, 0) : nullptr;
    // With node_copy, `memory` is the cores (every copy and every MPI byte, at node_copy)
    // and `mpi` what MPI alone can move (node_memory): MPI's own limit leaves cores idle
    // (ranks spinning in their waits) that copies use. Without, one link does both.
    sg4::Link* mpi = nullptr;
    if (memory != nullptr && c.copies_share_memory()) {
      mpi = memory;
      memory = make_link(zone, "cores" + std::to_string(n), c.node_copy_bandwidth, 0);
    }
    auto with_memory = [&](std::vector<sg4::Link*> links, size_t at) {
      if (mpi != nullptr) links.insert(links.begin() + static_cast<long>(at), mpi);
      if (memory != nullptr) links.insert(links.begin() + static_cast<long>(at), memory);
      return links;
    };
    std::vector<sg4::Host*> local;
    for (int32_t l = 0; l < c.gpus_per_node; ++l) {
      const int32_t gpu = n * c.gpus_per_node + l;
      const std::string name = std::to_string(gpu);
      local.push_back(zone->create_host("gpu" + name, 1e12)->seal());
      nvl_up.push_back(make_link(zone, "nvl_up" + name, c.nvlink_bandwidth, c.nvlink_latency));
      nvl_down.push_back(make_link(zone, "nvl_down" + name, c.nvlink_bandwidth, c.nvlink_latency));
      // GPUs sharing a NIC share its links.
      const auto k = static_cast<size_t>(l * c.nics_per_node / c.gpus_per_node);
      auto* sw = group_switch[rail ? k : static_cast<size_t>(n / c.nodes_per_leaf)];
      if (memory == nullptr) {
        edge(zone, local.back()->get_netpoint(), sw, {nic_up[k]});
        edge(zone, sw, local.back()->get_netpoint(), {nic_down[k]});
      } else {
        edge(zone, local.back()->get_netpoint(), sw, with_memory({nic_up[k]}, 1));
        edge(zone, sw, local.back()->get_netpoint(), with_memory({nic_down[k]}, 0));
      }
      if (gpu < gpus) hosts_.push_back(local.back());
    }
    if (memory != nullptr && c.copies_share_memory()) {
      // A rank's copies run on one core (its own link, at the fastest stage's rate); all
      // ranks' copies and MPI bytes share the cores.
      auto* sink = zone->create_host("copies" + std::to_string(n), 1e12)->seal();
      for (size_t l = 0; l < local.size(); ++l) {
        auto* core = make_link(zone, "core" + std::to_string(n * c.gpus_per_node + static_cast<int32_t>(l)), fastest_copy(c), 0);
        edge(zone, local[l]->get_netpoint(), sink->get_netpoint(), {core, memory});
      }
      copy_sinks_.push_back(sink);
    }
    for (size_t a = 0; a < local.size(); ++a)
      for (size_t b = 0; b < local.size(); ++b) {
        if (a == b) continue;
        std::vector<sg4::Link*> links{nvl_up[a], nvl_down[b]};
        links = with_memory(links, 1);
        edge(zone, local[a]->get_netpoint(), local[b]->get_netpoint(), links);
      }
  }
  zone->seal();
}

}  // namespace wxfer
