// The one table of strategies: name, description, the transport it runs on by default and
// what it needs from a transport.
#include <limits>
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

double Strategy::reference_seconds(StrategyEnv&) { return std::numeric_limits<double>::quiet_NaN(); }

const std::vector<StrategyEntry>& strategy_registry() {
  static const std::vector<StrategyEntry> table = {
      {"gather", "single-rank gather: trainer 0 gathers every tensor and sends it to every inference rank", "mpi",
       needs(true, true, false), make_gather_strategy},
      {"broadcast", "checkpoint-engine: bucketed broadcast by each owner, ping-pong buffers", "mpi",
       needs(true, true, false), make_broadcast_strategy},
      {"rdma", "Perplexity: static schedule of one-sided writes into inference memory, pipelined", "mpi-rma",
       needs(true, true, true), make_rdma_strategy},
  };
  return table;
}

const StrategyEntry& find_strategy(const std::string& name) {
  for (const auto& s : strategy_registry())
    if (name == s.name) return s;
  throw_usage("unknown strategy '" + name + "' (use gather, broadcast, rdma or all)");
}

}  // namespace wxfer
