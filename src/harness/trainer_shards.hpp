// What one trainer rank holds: its part of every tensor, back to back in its own memory.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/weights.hpp"
#include "plan/plan.hpp"
#include "transport/memory.hpp"

namespace wxfer {

class TrainerShards {
 public:
  TrainerShards(const Plan& plan, int32_t trainer_rank, UpdateModel update = {});
  const UpdateModel& update_model() const { return update_; }

  struct Held {
    bool held = false;
    Range rows, cols;  // box of the full tensor
    uint64_t offset = 0;
    uint64_t mask_word = 0;  // where its rows' change bits start (track_changes)
  };
  const Held& held(uint32_t tensor) const { return held_[tensor]; }
  uint64_t bytes() const { return memory_.size(); }  // with a few unused bytes in front

  // Writes the content of training step `step` into every held part (not timed: it is the
  // training step's output).
  void fill(uint32_t step);

  // From the next fill() on, fill() also emits a change mask, as an optimizer hook does for
  // delta updates: one bit per held element, set where the element's bits differ from the
  // version before (all set at the first fill). Each held row's bits start a 64-bit word.
  void track_changes();
  bool tracks_changes() const { return !mask_.empty(); }
  const uint64_t* change_mask() const { return mask_.data(); }
  // Bit of element (row, col) of a held part, and the distance from one row's bits to the next.
  uint64_t mask_bit(uint32_t tensor, int64_t row, int64_t col) const;
  uint64_t mask_row_bits(uint32_t tensor) const;

  // Pointer to the box's bytes when they are one contiguous run of this rank's memory
  // (full-width rows of a held part), else nullptr.
  const uint8_t* contiguous(uint32_t tensor, Range rows, Range cols) const;
  // Pointer to the box's first element inside this rank's memory; rows are `stride` bytes
  // apart (the held part's row). For readers that take strided input (the quantizer).
  const uint8_t* view(uint32_t tensor, Range rows, Range cols, uint64_t& stride) const;
  // Copies a box (inside a held part) row-major into `out`.
  void copy_box(uint32_t tensor, Range rows, Range cols, uint8_t* out) const;

 private:
  const Plan& plan_;
  UpdateModel update_;
  std::vector<Held> held_;
  HostBuffer memory_;
  std::vector<uint64_t> mask_;  // track_changes()
  std::vector<uint8_t> row_;    // fill(): one row of the new version, compared before it is kept
};

}  // namespace wxfer
