#include "sim/platform.hpp"

#include <string>

#include "common/error.hpp"

namespace sg4 = simgrid::s4u;

namespace wxfer {
namespace {

using Dir = sg4::LinkInRoute::Direction;

sg4::Link* make_link(sg4::NetZone* zone, const std::string& name, double bandwidth, double latency) {
  return zone->create_link(name, bandwidth)->set_latency(latency)->seal();
}

// One directed edge of the routing graph (Dijkstra counts hops, so the NVLink path inside
// a node, 2 hops, always beats the NIC path, 6 hops).
// SimGrid forbids empty routes: hops that constrain nothing go through one fat pipe (every
// flow gets its full, huge bandwidth).
void edge(sg4::NetZone* zone, simgrid::kernel::routing::NetPoint* a, simgrid::kernel::routing::NetPoint* b,
          sg4::Link* link) {
  static sg4::Link* wire = nullptr;
  if (!link) {
    if (!wire)
      wire = zone->create_link("wire", 1e15)->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE)->seal();
    link = wire;
  }
  zone->add_route(a, b, nullptr, nullptr, {sg4::LinkInRoute(link, Dir::NONE)}, false);
}

}  // namespace

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

SimPlatform::SimPlatform(const ClusterSpec& cluster, int32_t gpus) : cluster_(cluster) {
  const ClusterSpec& c = cluster_;
  if (gpus > c.gpus())
    throw_usage("cluster '" + c.name + "' has " + std::to_string(c.gpus()) + " GPUs; this run needs " +
                std::to_string(gpus));
  sim_engine();
  const int32_t nodes = (gpus + c.gpus_per_node - 1) / c.gpus_per_node;
  auto* zone = sg4::create_dijkstra_zone("cluster", true);

  // Switches: fat-tree leaves (or one switch per rail), each with an aggregate uplink to
  // the spine sized by the oversubscription (perfect ECMP balance within it).
  const bool rail = c.topology == Topology::rail;
  const int32_t groups = rail ? c.nics_per_node : (nodes + c.nodes_per_leaf - 1) / c.nodes_per_leaf;
  auto* spine = zone->create_router("spine");
  std::vector<simgrid::kernel::routing::NetPoint*> group_switch;
  for (int32_t g = 0; g < groups; ++g) {
    const int32_t members = rail ? nodes : std::min(c.nodes_per_leaf, nodes - g * c.nodes_per_leaf) * c.nics_per_node;
    const double up = members * c.nic_bandwidth / c.oversubscription;
    auto* sw = zone->create_router("switch" + std::to_string(g));
    // Rails: an extra hop on the way to the spine, so that cross-rail traffic prefers
    // NVLink to a GPU on the right rail (PXN), as NCCL does.
    auto* port = rail ? zone->create_router("spine_port" + std::to_string(g)) : sw;
    if (rail) {
      edge(zone, sw, port, nullptr);
      edge(zone, port, sw, nullptr);
    }
    edge(zone, port, spine, make_link(zone, "uplink" + std::to_string(g), up, 0));
    edge(zone, spine, port, make_link(zone, "downlink" + std::to_string(g), up, 0));
    group_switch.push_back(sw);
  }

  // Latencies live on the endpoint links only, so every fabric crossing has the same
  // round trip and CM02's RTT weighting treats all flows alike.
  for (int32_t n = 0; n < nodes; ++n) {
    const std::string node = std::to_string(n);
    auto* nvswitch = zone->create_router("nvswitch" + node);
    std::vector<simgrid::kernel::routing::NetPoint*> nics;
    for (int32_t k = 0; k < c.nics_per_node; ++k) {
      const std::string nic = node + "_" + std::to_string(k);
      auto* port = zone->create_router("nic" + nic);
      auto* sw = group_switch[static_cast<size_t>(rail ? k : n / c.nodes_per_leaf)];
      edge(zone, port, sw, make_link(zone, "nic_up" + nic, c.nic_bandwidth, c.nic_latency));
      edge(zone, sw, port, make_link(zone, "nic_down" + nic, c.nic_bandwidth, c.nic_latency));
      nics.push_back(port);
    }
    for (int32_t l = 0; l < c.gpus_per_node; ++l) {
      const int32_t gpu = n * c.gpus_per_node + l;
      const std::string name = std::to_string(gpu);
      auto* h = zone->create_host("gpu" + name, 1e12)->seal();
      edge(zone, h->get_netpoint(), nvswitch, make_link(zone, "nvl_up" + name, c.nvlink_bandwidth, c.nvlink_latency));
      edge(zone, nvswitch, h->get_netpoint(), make_link(zone, "nvl_down" + name, c.nvlink_bandwidth, c.nvlink_latency));
      auto* nic = nics[static_cast<size_t>(l * c.nics_per_node / c.gpus_per_node)];
      // A PCIe hop between GPU and NIC keeps GPUs that share a NIC on NVLink.
      auto* pcie = zone->create_router("pcie" + name);
      edge(zone, h->get_netpoint(), pcie, nullptr);
      edge(zone, pcie, h->get_netpoint(), nullptr);
      edge(zone, pcie, nic, nullptr);
      edge(zone, nic, pcie, nullptr);
      if (gpu < gpus) hosts_.push_back(h);
    }
  }
  zone->seal();
}

}  // namespace wxfer
