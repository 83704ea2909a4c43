// What one trainer rank holds: its part of every tensor, back to back in its own memory.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan.hpp"
#include "transport/memory.hpp"

namespace wxfer {

class TrainerShards {
 public:
  TrainerShards(const Plan& plan, int32_t trainer_rank);

  struct Held {
    bool held = false;
    Range rows, cols;  // box of the full tensor
    uint64_t offset = 0;
  };
  const Held& held(uint32_t tensor) const { return held_[tensor]; }
  uint64_t bytes() const { return memory_.size(); }  // with a few unused bytes in front

  // Writes the content of training step `step` into every held part (not timed: it is the
  // training step's output).
  void fill(uint32_t step);

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
  std::vector<Held> held_;
  HostBuffer memory_;
};

}  // namespace wxfer
