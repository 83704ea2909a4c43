// The one table of strategies: name, description, the transport it runs on by default and
// what it needs from a transport, and whether it can send sparse (delta) updates.
#include <string>

#include "common/error.hpp"
#include "strategy/broadcast/broadcast_strategy.hpp"
#include "strategy/gather/gather_strategy.hpp"
#include "strategy/rdma/rdma_strategy.hpp"
#include "strategy/strategy.hpp"

namespace wxfer {
namespace {

TransportCapabilities needs(bool two_sided, bool collectives, bool one_sided) {
  TransportCapabilities c;
  c.two_sided = two_sided;
  c.collectives = collectives;
  c.one_sided = one_sided;
  return c;
}

}  // namespace

const std::vector<StrategyEntry>& strategy_registry() {
  static const std::vector<StrategyEntry> table = {
      {"gather", "single-rank gather: trainer 0 gathers every tensor and sends it to every inference rank", "mpi",
       needs(true, true, false), false, make_gather_strategy, make_gather_baseline},
      {"broadcast", "checkpoint-engine: bucketed broadcast by each owner, ping-pong buffers", "mpi", needs(true, true, false),
       true, make_broadcast_strategy, make_broadcast_baseline},
      {"rdma", "Perplexity: static schedule of one-sided writes into inference memory, pipelined", "mpi-rma",
       needs(true, true, true), true, make_rdma_strategy, nullptr},
  };
  return table;
}

const StrategyEntry& find_strategy(const std::string& name) {
  for (const auto& s : strategy_registry())
    if (name == s.name) return s;
  throw_usage("unknown strategy '" + name + "' (use " + strategy_choices() + ")");
}

std::string strategy_choices() {
  std::string out;
  for (const auto& s : strategy_registry()) out += std::string(s.name) + ", ";
  out.resize(out.size() - 2);
  return out + " or all";
}

std::vector<const StrategyEntry*> select_strategies(const std::string& value, const std::string& option) {
  std::vector<const StrategyEntry*> out;
  for (const auto& s : strategy_registry())
    if (value == "all" || value == s.name) out.push_back(&s);
  if (out.empty()) throw_usage("invalid " + option + " '" + value + "': expected " + strategy_choices());
  return out;
}

}  // namespace wxfer
