// Holds a strategy's traffic against its plan. The harness hands the strategy a TrafficTap
// in place of the transport: it forwards every call and counts, on the sending rank, the
// bytes each call moves into each inference rank (sends, broadcasts from this rank as root,
// puts). After every step the counts are compared with what the strategy's plan assigns
// (Strategy::expected_traffic): a duplicated send, a dropped one, a wrong sender or swapped
// replicas fail the step, naming the pair. Traffic between trainer ranks (gathers) is the
// strategy's own business and is not counted.
//
// The tap is also where faults are injected (`wxfer run --inject`), so that the checks can be
// shown to catch them in real runs: a byte flipped in flight, a put dropped or issued twice,
// two block scales swapped.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/roles.hpp"
#include "plan/plan.hpp"
#include "transport/memory.hpp"
#include "transport/transport.hpp"

namespace wxfer {

// Bytes per destination world rank, sent by one rank in one step.
using Traffic = std::map<int, uint64_t>;

// One fault: `kind` on world rank `rank` at measured step `step` (0-based), on the first
// transfer into an inference rank that it applies to; `stall` and `kill` instead stop that
// rank as the step's update starts (it sleeps for ever, or ends by SIGKILL), for the
// deadlines to end the job.
struct Fault {
  enum class Kind { none, corrupt, drop, duplicate, swap_scales, stall, kill };
  Kind kind = Kind::none;
  int rank = 0;
  int32_t step = 0;
};
// "corrupt", "drop:rank=1", "swap-scales:rank=0,step=1", ... ; UsageError naming a bad value.
Fault parse_fault(const std::string& text);

class TrafficTap final : public Transport {
 public:
  TrafficTap(Transport& inner, const RankLayout& ranks, const Plan& plan, Fault fault = {})
      : inner_(inner), ranks_(ranks), plan_(plan), fault_(fault), sent_(static_cast<size_t>(ranks.world()), 0) {}

  std::string_view name() const override { return inner_.name(); }
  TransportCapabilities capabilities() const override { return inner_.capabilities(); }
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  Request isend(int peer, MemorySpan data, int tag) override;
  Request irecv(int peer, MemorySpan data, int tag) override { return inner_.irecv(peer, data, tag); }
  std::unique_ptr<Group> make_group(const std::vector<int>& members) override { return inner_.make_group(members); }
  Request ibroadcast(Group& group, int root, MemorySpan data) override;
  Request ibarrier() override { return inner_.ibarrier(); }
  std::unique_ptr<Window> expose(MemorySpan local) override;
  std::unique_ptr<Window> expose_new(uint64_t bytes) override;
  std::map<std::string, std::string> settings() const override { return inner_.settings(); }
  void close(const Deadline& deadline) override { inner_.close(deadline); }
  OpLog& ops() override { return inner_.ops(); }

  // What this rank sent to inference ranks since the last take(); resets the counts and
  // releases the copies that injected faults sent from.
  Traffic take();
  void count(int peer, uint64_t bytes) {
    if (peer >= ranks_.trainers && peer < ranks_.world()) sent_[static_cast<size_t>(peer)] += bytes;
  }
  // The measured step the next transfers belong to (warm-up steps are negative).
  void set_step(int32_t step) { step_ = step; }

  // Faults, applied by the tapped window and the tap's own sends, once each.
  bool any_fault() const { return fault_.kind != Fault::Kind::none; }
  bool fault_due(Fault::Kind kind, int peer) const;
  void fault_done() { fault_.kind = Fault::Kind::none; }
  // A copy of src[0, bytes) with its first byte flipped, alive until take().
  const void* corrupted_copy(const void* src, size_t bytes);
  // A copy with the first two different float32 scales swapped when [offset, offset + bytes)
  // of `peer`'s memory is a slice of a weight_scale_inv tensor; nullptr otherwise.
  const void* scales_swapped(int peer, uint64_t offset, const void* src, size_t bytes);

 private:
  Transport& inner_;
  const RankLayout& ranks_;
  const Plan& plan_;
  Fault fault_;
  int32_t step_ = -1;
  std::vector<uint64_t> sent_;      // per world rank: counting is on the put path, so an array
  std::vector<HostBuffer> copies_;  // sources of faulty transfers, alive until take()
};

// The first pair whose bytes differ, as one line naming sender, receiver and both amounts;
// nullopt when `sent` is exactly `expected` (pairs with 0 bytes count as absent).
// `source`: who set `expected`, as the message says it ("the plan assigns").
std::optional<std::string> traffic_mismatch(int sender, const Traffic& sent, const Traffic& expected, const RankLayout& ranks,
                                            const std::string& source = "the plan assigns");

}  // namespace wxfer
