// Delta updates for strategies that write into the receivers' memory: each sender keeps the
// version its receivers hold of every segment it sends, finds the elements that changed, and
// writes them as patches into an inbox after each receiver's weights, one write per receiver;
// after the commit the receiver applies them (docs/sparse.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "control/control.hpp"
#include "harness/recorder.hpp"
#include "harness/roles.hpp"
#include "harness/traffic_tap.hpp"
#include "plan/plan.hpp"
#include "quant/delta.hpp"
#include "strategy/segment_source.hpp"
#include "strategy/strategy.hpp"
#include "transport/memory.hpp"
#include "transport/transport.hpp"

namespace wxfer {

// Which updates of a run are whole under --delta: the first (the receivers hold nothing yet)
// and every version divisible by --full-every; the rest send what changed. The same on every rank.
class WholeUpdates {
 public:
  bool next(uint32_t version, const StrategyOptions& options) {
    const bool whole = !primed_ || (options.full_every > 0 && version % options.full_every == 0);
    primed_ = true;
    return whole;
  }

 private:
  bool primed_ = false;  // an update has run: receivers hold a version
};

// Where each sender's patches land: behind each receiver's weights, one slot per (sender,
// receiver) pair the plan connects, in sender order, each a quarter of the pair's plan bytes
// (and a little): a patch that does not fit goes whole instead. At the densities where delta
// pays, patches take a small fraction of that.
class DeltaInbox {
 public:
  struct Slot {
    uint64_t offset = 0, capacity = 0;  // in the receiver's exposed memory
  };
  // Each slot starts with this; the sender writes it with its patches at every delta step.
  struct Header {
    uint32_t magic = 0;
    uint32_t version = 0;
    uint64_t used = 0;  // patch bytes after the header
  };
  static constexpr uint64_t kHeaderBytes = 64;
  static constexpr uint32_t kMagic = 0x584F4E49;  // "INOX"

  // Collective over every rank: `sent` is what this rank sends to each inference rank in a
  // full update (empty on receivers); `weights` the bytes of this rank's weights (receivers).
  DeltaInbox(const Control& control, const RankLayout& ranks, int world_rank, const Traffic& sent, uint64_t weights);
  // This receiver's exposed memory: its weights, then its inbox.
  uint64_t exposed_bytes() const { return inbox_at_ + inbox_bytes_; }
  // This sender's slot at `receiver` (world rank); nullopt where the plan sends it nothing.
  std::optional<Slot> slot_at(int receiver) const;
  // This receiver's slots, by sender (world rank).
  const std::map<int, Slot>& slots_here() const { return here_; }

 private:
  std::map<int, Slot> mine_;  // sender side, by receiver
  std::map<int, Slot> here_;  // receiver side, by sender
  uint64_t inbox_at_ = 0, inbox_bytes_ = 0;
};

// Which elements changed: where a segment's bytes are the trainer's own elements and the
// trainer's update emits a change mask (TrainerShards::track_changes), the mask says; the
// sender then reads only the mask and the changed values. Elsewhere (gathered or converted
// segments, or no mask) the sender compares with its copy of the receivers' version (its
// shadow), which costs a read of both and the memory of the copy.
class ChangeFinder {
 public:
  // `segments`: the plan segments this rank sends (repeats are fine).
  ChangeFinder(const Plan& plan, const SegmentSource& source, const TrainerShards& shards, const std::vector<uint32_t>& segments);
  uint64_t shadow_bytes() const { return shadow_.size(); }
  // A new update: whole (shadows are refreshed) or delta.
  void start(bool full);
  // The segment's bytes as they land. Delta step: `patch` gets what changed since the last
  // version (true). Whole step: only the shadow is refreshed (false).
  bool encode(uint32_t segment, const SendBytes& bytes, delta::Patch& patch);
  // Element size of a segment as it lands.
  uint32_t elem_bytes(uint32_t segment) const;
  uint64_t elements() const { return elements_; }  // compared in this update
  uint64_t changed() const { return changed_; }

 private:
  const Plan& plan_;
  const TrainerShards& shards_;
  std::map<uint32_t, SegmentSource::Box> masked_;  // segments the change mask covers
  std::map<uint32_t, uint64_t> shadow_at_;         // the others -> offset in shadow_
  HostBuffer shadow_;                              // the receivers' version of those
  bool full_ = true;
  uint64_t elements_ = 0, changed_ = 0;
};

// One-sided delta updates: each receiver's patches packed and written into its inbox slot.
class DeltaSender {
 public:
  DeltaSender(const Plan& plan, const SegmentSource& source, const TrainerShards& shards, const std::vector<uint32_t>& segments,
              const DeltaInbox& inbox);
  uint64_t shadow_bytes() const { return finder_.shadow_bytes(); }

  // A new update to `version`: full (every segment whole, the shadow refreshed) or delta.
  void start(uint32_t version, bool full);
  bool encode(uint32_t segment, const SendBytes& bytes, delta::Patch& patch) { return finder_.encode(segment, bytes, patch); }
  // Whether segment `segment`'s patch goes to `receiver` (room left in its slot): if so it is
  // packed for it, addressed to `dest_offset`; if not the caller writes the segment whole and
  // calls whole(). Either way the segment's plan bytes count as covered.
  bool take(int receiver, uint64_t dest_offset, const delta::Patch& patch, uint64_t plan_bytes);
  void whole(int receiver, uint64_t plan_bytes);
  // Delta step: each receiver's slot (header and patches) in one put; the caller flushes.
  void write(Window& window);
  StepDelta result() const;

 private:
  ChangeFinder finder_;
  const DeltaInbox& inbox_;
  // Per receiver: room for the slot header, then patches (its memory kept between steps).
  std::vector<uint8_t>& staged(int receiver);
  std::map<int, std::vector<uint8_t>> staged_;
  uint32_t version_ = 0;
  StepDelta result_;
};

// Receiver side, after the commit of a delta step: applies every slot's patches to the
// weights (`memory`, the exposed region: weights first, inbox behind). What is wrong, if
// anything: a slot not written for this version, a malformed patch.
std::optional<std::string> apply_inbox(const DeltaInbox& inbox, uint8_t* memory, uint64_t weights_bytes, uint32_t version,
                                       Recorder& recorder);

}  // namespace wxfer
