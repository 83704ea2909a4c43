#include "sim/cluster.hpp"

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "common/error.hpp"
#include "common/units.hpp"
#include "sim/builtin_clusters.hpp"

namespace wxfer {
namespace {

[[noreturn]] void bad_key(std::string_view source, std::string_view key, std::string_view why) {
  throw_usage("cluster '" + std::string(source) + "': key '" + std::string(key) + "': " + std::string(why));
}

// One setter per accepted key: every other key is an error, so typos never pass silently.
struct KeyReader {
  std::string_view source;
  std::string key;
  const toml::node* node;

  std::string text() const {
    if (auto s = node->value<std::string>()) return *s;
    if (auto d = node->value<double>()) {
      std::ostringstream os;
      os.precision(17);
      os << *d;
      return os.str();
    }
    bad_key(source, key, "expected a string or a number");
  }
  // The value as written, for error messages.
  std::string shown() const {
    if (auto s = node->value<std::string>()) return "\"" + *s + "\"";
    if (auto d = node->value<double>()) {
      std::ostringstream os;
      os << *d;
      return os.str();
    }
    return "a " + std::string(node->is_table() ? "table" : node->is_array() ? "list" : "non-number");
  }
  static std::string plain(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
  }
  double number(double lo, double hi) const {
    auto d = node->value<double>();
    if (!d || !std::isfinite(*d) || *d < lo || *d > hi)
      bad_key(source, key, "expected a number in [" + plain(lo) + ", " + plain(hi) + "], got " + shown());
    return *d;
  }
  int32_t integer(int64_t lo, int64_t hi) const {
    auto i = node->value_exact<int64_t>();
    if (!i || *i < lo || *i > hi)
      bad_key(source, key, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + shown());
    return static_cast<int32_t>(*i);
  }
  template <class F>
  double parsed(F parse) const {
    try {
      const double v = parse(text(), key);
      if (!(v > 0)) bad_key(source, key, "must be positive");
      return v;
    } catch (const UsageError& e) {
      if (std::string_view(e.what()).starts_with("cluster '")) throw;
      bad_key(source, key, e.what());
    }
  }
  double bandwidth() const {
    return parsed([](const std::string& t, std::string_view w) { return parse_bandwidth(t, w); });
  }
  double seconds() const { return parsed(parse_latency); }
  double bytes() const {
    return parsed([](const std::string& t, std::string_view w) { return static_cast<double>(parse_bytes(t, w)); });
  }
  std::string choice(std::initializer_list<std::string_view> allowed) const {
    auto s = node->value<std::string>();
    for (auto a : allowed)
      if (s && *s == a) return *s;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    bad_key(source, key, "expected one of " + list + ", got " + shown());
  }
};

using Setter = std::function<void(ClusterSpec&, const KeyReader&)>;

const std::map<std::string, Setter, std::less<>>& setters() {
  static const std::map<std::string, Setter, std::less<>> table = {
      {"name", [](ClusterSpec& c, const KeyReader& r) { c.name = r.text(); }},
      {"nodes", [](ClusterSpec& c, const KeyReader& r) { c.nodes = r.integer(1, 1 << 20); }},
      {"node.gpus", [](ClusterSpec& c, const KeyReader& r) { c.gpus_per_node = r.integer(1, 1024); }},
      {"node.nics", [](ClusterSpec& c, const KeyReader& r) { c.nics_per_node = r.integer(1, 1024); }},
      {"bandwidth.nic", [](ClusterSpec& c, const KeyReader& r) { c.nic_bandwidth = r.bandwidth(); }},
      {"bandwidth.nvlink", [](ClusterSpec& c, const KeyReader& r) { c.nvlink_bandwidth = r.bandwidth(); }},
      {"bandwidth.h2d", [](ClusterSpec& c, const KeyReader& r) { c.h2d_bandwidth = r.bandwidth(); }},
      {"bandwidth.device_copy", [](ClusterSpec& c, const KeyReader& r) { c.device_copy_bandwidth = r.bandwidth(); }},
      {"bandwidth.node_memory", [](ClusterSpec& c, const KeyReader& r) { c.node_memory_bandwidth = r.bandwidth(); }},
      {"bandwidth.node_copy", [](ClusterSpec& c, const KeyReader& r) { c.node_copy_bandwidth = r.bandwidth(); }},
      {"latency.nic", [](ClusterSpec& c, const KeyReader& r) { c.nic_latency = r.seconds(); }},
      {"latency.nvlink", [](ClusterSpec& c, const KeyReader& r) { c.nvlink_latency = r.seconds(); }},
      {"latency.barrier", [](ClusterSpec& c, const KeyReader& r) { c.barrier_latency = r.seconds(); }},
      {"topology.kind",
       [](ClusterSpec& c, const KeyReader& r) {
         c.topology = r.choice({"fat-tree", "rail"}) == "rail" ? Topology::rail : Topology::fat_tree;
       }},
      {"topology.nodes_per_leaf", [](ClusterSpec& c, const KeyReader& r) { c.nodes_per_leaf = r.integer(1, 1 << 20); }},
      {"topology.oversubscription", [](ClusterSpec& c, const KeyReader& r) { c.oversubscription = r.number(1, 1024); }},
      {"conversion.gather", [](ClusterSpec& c, const KeyReader& r) { c.gather_rate = r.bandwidth(); }},
      {"conversion.fusion", [](ClusterSpec& c, const KeyReader& r) { c.fusion_rate = r.bandwidth(); }},
      {"conversion.quantization", [](ClusterSpec& c, const KeyReader& r) { c.quantization_rate = r.bandwidth(); }},
      {"conversion.in_place",
       [](ClusterSpec& c, const KeyReader& r) {
         c.send_in_place = r.choice({"true", "false"}) == "true";
       }},
      {"efficiency.p2p", [](ClusterSpec& c, const KeyReader& r) { c.p2p_efficiency = r.number(0.01, 1); }},
      {"efficiency.collective", [](ClusterSpec& c, const KeyReader& r) { c.collective_efficiency = r.number(0.01, 1); }},
      {"efficiency.one_sided", [](ClusterSpec& c, const KeyReader& r) { c.one_sided_efficiency = r.number(0.01, 1); }},
      {"efficiency.one_sided_strided",
       [](ClusterSpec& c, const KeyReader& r) { c.one_sided_strided_efficiency = r.number(0.01, 1); }},
      {"collective_bandwidth_efficiency",
       [](ClusterSpec& c, const KeyReader& r) { c.collective_efficiency = r.number(0.01, 1); }},
      {"simulation.flows_per_rank", [](ClusterSpec& c, const KeyReader& r) { c.flows_per_rank = r.integer(1, 4096); }},
      {"simulation.pipeline_depth", [](ClusterSpec& c, const KeyReader& r) { c.pipeline_depth = r.integer(1, 64); }},
      {"simulation.pool_receivers",
       [](ClusterSpec& c, const KeyReader& r) {
         c.pool_receivers = r.choice({"true", "false"}) == "true";
       }},
      {"simulation.max_sim_chunks", [](ClusterSpec& c, const KeyReader& r) { c.max_sim_chunks = r.integer(1, 1 << 20); }},
      {"simulation.broadcast",
       [](ClusterSpec& c, const KeyReader& r) {
         const std::string a = r.choice({"ring", "binomial", "tree", "linear"});
         for (auto b :
              {BroadcastAlgorithm::ring, BroadcastAlgorithm::binomial, BroadcastAlgorithm::tree, BroadcastAlgorithm::linear})
           if (a == broadcast_name(b)) c.broadcast = b;
       }},
      {"simulation.broadcast_channels", [](ClusterSpec& c, const KeyReader& r) { c.broadcast_channels = r.integer(1, 64); }},
      {"simulation.nccl_slice", [](ClusterSpec& c, const KeyReader& r) { c.nccl_slice_bytes = r.bytes(); }},
  };
  return table;
}

void apply(ClusterSpec& c, const toml::table& t, const std::string& prefix, std::string_view source) {
  for (auto&& [k, v] : t) {
    const std::string key = prefix + std::string(k.str());
    if (const auto* sub = v.as_table()) {
      apply(c, *sub, key + ".", source);
      continue;
    }
    const auto it = setters().find(key);
    if (it == setters().end()) bad_key(source, key, "unknown key");
    it->second(c, KeyReader{source, key, &v});
  }
}

}  // namespace

const char* broadcast_name(BroadcastAlgorithm a) {
  switch (a) {
    case BroadcastAlgorithm::ring:
      return "ring";
    case BroadcastAlgorithm::binomial:
      return "binomial";
    case BroadcastAlgorithm::tree:
      return "tree";
    case BroadcastAlgorithm::linear:
      return "linear";
  }
  return "ring";
}

double parse_latency(std::string_view text, std::string_view what) {
  const std::string s(text);
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    throw_usage("invalid " + std::string(what) + " '" + s + "': expected a duration such as 2us or 1.5ms");
  }
  std::string unit = s.substr(used);
  unit.erase(0, unit.find_first_not_of(' '));
  static const std::map<std::string, double, std::less<>> units = {{"", 1}, {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}};
  const auto it = units.find(unit);
  if (it == units.end() || !std::isfinite(v) || v < 0)
    throw_usage("invalid " + std::string(what) + " '" + s + "': expected a duration such as 2us or 1.5ms");
  return v * it->second;
}

ClusterSpec parse_cluster(std::string_view toml_text, std::string_view source) {
  toml::table t;
  try {
    t = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    throw_usage("cluster '" + std::string(source) + "': line " + std::to_string(e.source().begin.line) + ": " +
                std::string(e.description()));
  }
  ClusterSpec c;
  c.name = std::string(source);
  apply(c, t, "", source);
  if (c.nics_per_node > c.gpus_per_node || c.gpus_per_node % c.nics_per_node != 0)
    bad_key(source, "node.nics", "must divide node.gpus (" + std::to_string(c.gpus_per_node) + ")");
  return c;
}

ClusterSpec load_cluster(std::string_view spec) {
  for (const auto& b : builtin_clusters())
    if (spec == b.name) return parse_cluster(b.toml, b.name);
  std::ifstream in{std::string(spec)};
  if (!in) {
    std::string names;
    for (const auto& n : builtin_cluster_names()) names += (names.empty() ? "" : ", ") + n;
    throw_usage("unknown cluster '" + std::string(spec) + "': not a built-in (" + names + ") nor a readable file");
  }
  std::ostringstream body;
  body << in.rdbuf();
  return parse_cluster(body.str(), spec);
}

std::vector<std::string> builtin_cluster_names() {
  std::vector<std::string> out;
  for (const auto& b : builtin_clusters()) out.emplace_back(b.name);
  return out;
}

std::string cluster_to_toml(const ClusterSpec& c, std::string_view header_comment) {
  std::ostringstream o;
  o.precision(6);
  o << header_comment << "name = \"" << c.name << "\"\nnodes = " << c.nodes << "\n\n[node]\ngpus = " << c.gpus_per_node
    << "\nnics = " << c.nics_per_node << "\n\n[bandwidth]\nnic = " << c.nic_bandwidth << "\nnvlink = " << c.nvlink_bandwidth
    << "\nh2d = " << c.h2d_bandwidth << "\ndevice_copy = " << c.device_copy_bandwidth;
  if (c.node_memory_bandwidth > 0) o << "\nnode_memory = " << c.node_memory_bandwidth;
  if (c.node_copy_bandwidth > 0) o << "\nnode_copy = " << c.node_copy_bandwidth;
  o << "\n\n[latency]\nnic = " << c.nic_latency << "\nnvlink = " << c.nvlink_latency << "\nbarrier = " << c.barrier_latency
    << "\n\n[topology]\nkind = \"" << (c.topology == Topology::rail ? "rail" : "fat-tree")
    << "\"\nnodes_per_leaf = " << c.nodes_per_leaf << "\noversubscription = " << c.oversubscription
    << "\n\n[conversion]\ngather = " << c.gather_rate << "\nfusion = " << c.fusion_rate
    << "\nquantization = " << c.quantization_rate;
  if (c.send_in_place) o << "\nin_place = \"true\"";
  o << "\n\n[efficiency]\np2p = " << c.p2p_efficiency << "\ncollective = " << c.collective_efficiency;
  if (c.one_sided_efficiency > 0) o << "\none_sided = " << c.one_sided_efficiency;
  if (c.one_sided_strided_efficiency > 0) o << "\none_sided_strided = " << c.one_sided_strided_efficiency;
  o << "\n\n[simulation]\nflows_per_rank = " << c.flows_per_rank << "\npipeline_depth = " << c.pipeline_depth
    << "\nmax_sim_chunks = " << c.max_sim_chunks << "\npool_receivers = \"" << (c.pool_receivers ? "true" : "false")
    << "\"\nbroadcast = \"" << broadcast_name(c.broadcast) << "\"\nbroadcast_channels = " << c.broadcast_channels
    << "\nnccl_slice = " << c.nccl_slice_bytes << "\n";
  return o.str();
}

}  // namespace wxfer
