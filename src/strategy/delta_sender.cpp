#include "strategy/delta_sender.hpp"

#include <cstring>

#include "common/error.hpp"
#include "record/stages.hpp"

namespace wxfer {
namespace {

uint64_t aligned64(uint64_t bytes) { return (bytes + 63) / 64 * 64; }

// What a slot holds for a pair of `plan_bytes`.
uint64_t slot_capacity(uint64_t plan_bytes) { return aligned64(DeltaInbox::kHeaderBytes + plan_bytes / 4 + 4096); }

}  // namespace

DeltaInbox::DeltaInbox(const Control& control, const RankLayout& ranks, int world_rank, const Traffic& sent, uint64_t weights) {
  // One exchange: every rank's row (where its inbox starts, behind its weights and 64-byte
  // aligned, on receivers; then its plan bytes to each inference rank, on senders).
  const auto n = static_cast<size_t>(ranks.inference);
  std::vector<uint64_t> row(1 + n, 0);
  row[0] = ranks.is_trainer(world_rank) ? 0 : aligned64(weights);
  for (const auto& [receiver, bytes] : sent) row[1 + static_cast<size_t>(ranks.inference_index(receiver))] = bytes;
  std::vector<uint8_t> mine(row.size() * sizeof(uint64_t));
  std::memcpy(mine.data(), row.data(), mine.size());
  const auto all = control.all_gather(mine);
  const auto entry = [&](int rank, size_t i) {
    uint64_t v = 0;
    std::memcpy(&v, all[static_cast<size_t>(rank)].data() + i * sizeof(uint64_t), sizeof(v));
    return v;
  };
  for (int d = 0; d < ranks.inference; ++d) {
    const int receiver = ranks.world_of_inference(d);
    const uint64_t first = entry(receiver, 0);
    uint64_t offset = first;
    for (int sender = 0; sender < static_cast<int>(all.size()); ++sender) {
      const uint64_t bytes = entry(sender, 1 + static_cast<size_t>(d));
      if (bytes == 0) continue;
      const Slot slot{offset, slot_capacity(bytes)};
      if (sender == world_rank) mine_[receiver] = slot;
      if (receiver == world_rank) here_[sender] = slot;
      offset += slot.capacity;
    }
    if (receiver == world_rank) {
      inbox_at_ = first;
      inbox_bytes_ = offset - first;
    }
  }
}

std::optional<DeltaInbox::Slot> DeltaInbox::slot_at(int receiver) const {
  const auto it = mine_.find(receiver);
  if (it == mine_.end()) return std::nullopt;
  return it->second;
}

ChangeFinder::ChangeFinder(const Plan& plan, const SegmentSource& source, const TrainerShards& shards,
                           const std::vector<uint32_t>& segments)
    : plan_(plan), shards_(shards) {
  uint64_t total = 0;
  for (const uint32_t s : segments) {
    if (masked_.count(s) != 0 || shadow_at_.count(s) != 0) continue;
    if (auto box = source.held_box(s); box && shards.tracks_changes())
      masked_.emplace(s, *box);
    else
      total += plan.segments()[shadow_at_.emplace(s, total).first->first].bytes;
  }
  shadow_ = HostBuffer(std::max<uint64_t>(total, 1));
}

void ChangeFinder::start(bool full) {
  full_ = full;
  elements_ = changed_ = 0;
}

uint32_t ChangeFinder::elem_bytes(uint32_t segment) const {
  return static_cast<uint32_t>(dtype_size(plan_.dest_tensor(plan_.slices()[plan_.segments()[segment].slice].tensor).dtype));
}

bool ChangeFinder::encode(uint32_t segment, const SendBytes& bytes, delta::Patch& patch) {
  WXFER_ASSERT(bytes.bytes() == plan_.segments()[segment].bytes);
  const uint32_t elem = elem_bytes(segment);
  const delta::Rows rows{bytes.data, bytes.rows, bytes.row_bytes, bytes.contiguous() ? bytes.row_bytes : bytes.stride};
  if (const auto m = masked_.find(segment); m != masked_.end()) {
    if (full_) return false;
    const SegmentSource::Box& box = m->second;
    patch.gather(rows, elem, static_cast<uint64_t>(box.rows.size()), static_cast<uint64_t>(box.cols.size()),
                 shards_.change_mask(), shards_.mask_bit(box.tensor, box.rows.lo, box.cols.lo),
                 shards_.mask_row_bits(box.tensor));
  } else {
    const auto it = shadow_at_.find(segment);
    WXFER_ASSERT(it != shadow_at_.end());
    uint8_t* shadow = shadow_.data() + it->second;
    if (full_) {
      for (uint64_t r = 0; r < bytes.rows; ++r)
        std::memcpy(shadow + r * bytes.row_bytes, bytes.data + r * rows.stride, bytes.row_bytes);
      return false;
    }
    patch.diff(rows, shadow, elem);
  }
  elements_ += patch.elements();
  changed_ += patch.changed();
  return true;
}

DeltaSender::DeltaSender(const Plan& plan, const SegmentSource& source, const TrainerShards& shards,
                         const std::vector<uint32_t>& segments, const DeltaInbox& inbox)
    : finder_(plan, source, shards, segments), inbox_(inbox) {}

void DeltaSender::start(uint32_t version, bool full) {
  version_ = version;
  result_ = StepDelta{};
  result_.full = full;
  finder_.start(full);
  // The buffers keep their memory from step to step: memory given back and taken again is
  // zeroed page by page by the kernel, which costs more than the patches' own writes.
  for (auto& [receiver, staged] : staged_) staged.clear();
}

StepDelta DeltaSender::result() const {
  StepDelta out = result_;
  out.elements = finder_.elements();
  out.changed = finder_.changed();
  return out;
}

std::vector<uint8_t>& DeltaSender::staged(int receiver) {
  std::vector<uint8_t>& out = staged_[receiver];
  if (out.empty()) {
    const auto slot = inbox_.slot_at(receiver);
    WXFER_ASSERT(slot.has_value());
    out.reserve(slot->capacity);
    out.resize(DeltaInbox::kHeaderBytes, 0);
  }
  return out;
}

bool DeltaSender::take(int receiver, uint64_t dest_offset, const delta::Patch& patch, uint64_t plan_bytes) {
  std::vector<uint8_t>& packed = staged(receiver);
  const uint64_t size = patch.encoded_bytes();
  if (size >= plan_bytes || packed.size() + size > inbox_.slot_at(receiver)->capacity) return false;
  patch.append(dest_offset, packed);
  result_.covered[receiver] += plan_bytes;
  return true;
}

void DeltaSender::whole(int receiver, uint64_t plan_bytes) {
  result_.covered[receiver] += plan_bytes;
  result_.wire[receiver] += plan_bytes;
}

void DeltaSender::write(Window& window) {
  if (result_.full) return;
  // Every receiver this rank serves gets a header at every delta step, patches or none: the
  // receiver reads every slot and refuses one left from another version.
  for (const auto& [receiver, plan_bytes] : result_.covered) {
    (void)plan_bytes;
    std::vector<uint8_t>& packed = staged(receiver);
    const DeltaInbox::Header h{DeltaInbox::kMagic, version_, packed.size() - DeltaInbox::kHeaderBytes};
    std::memcpy(packed.data(), &h, sizeof(h));
    window.put(receiver, inbox_.slot_at(receiver)->offset, packed.data(), packed.size());
    result_.wire[receiver] += packed.size();
  }
}

std::optional<std::string> apply_inbox(const DeltaInbox& inbox, uint8_t* memory, uint64_t weights_bytes, uint32_t version,
                                       Recorder& recorder) {
  for (const auto& [sender, slot] : inbox.slots_here()) {
    const double t0 = recorder.now();
    const std::string who = "the delta inbox of trainer rank " + std::to_string(sender);
    DeltaInbox::Header h;
    std::memcpy(&h, memory + slot.offset, sizeof(h));
    if (h.magic != DeltaInbox::kMagic || h.version != version)
      return who + " holds no patches for version " + std::to_string(version) + " (found version " + std::to_string(h.version) +
             (h.magic == DeltaInbox::kMagic ? ")" : ", bad magic)");
    if (h.used > slot.capacity - DeltaInbox::kHeaderBytes)
      return who + " claims " + std::to_string(h.used) + " bytes of patches in a slot of " + std::to_string(slot.capacity);
    delta::Applied applied;
    if (auto bad = delta::apply(memory + slot.offset + DeltaInbox::kHeaderBytes, h.used, memory, weights_bytes, applied))
      return who + ": " + *bad;
    recorder.record(stage::apply, -1, sender, h.used, t0, recorder.now());
  }
  return std::nullopt;
}

}  // namespace wxfer
