// What one inference rank holds: its slice of every destination tensor, back to back, in
// memory it exposes to the trainers; and the check that every byte is this step's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plan/plan.hpp"
#include "transport/memory.hpp"

namespace wxfer {

struct VerifyFailure {
  std::string tensor;
  uint64_t byte_lo = 0, byte_hi = 0;  // within the full tensor, row-major
  int32_t inference_rank = 0;
  int32_t expected_source = -1;       // the trainer rank the plan names for those bytes
  std::string describe(uint32_t step) const;
};

class InferenceMemory {
 public:
  InferenceMemory(const Plan& plan, int32_t inference_rank);
  uint8_t* data() const { return memory_.data(); }
  MemorySpan span() const { return memory_.span(); }
  uint64_t bytes() const { return memory_.size(); }
  // Byte offset of a slice inside this rank's memory.
  uint64_t offset_of(const Slice& s) const { return plan_.local_offset(s.tensor, rank_); }
  // Checks every held byte against step `step`'s content; the first bad run, if any.
  std::optional<VerifyFailure> verify(uint32_t step) const;

 private:
  int32_t source_of(uint32_t slice, int64_t row) const;
  const Plan& plan_;
  int32_t rank_;
  HostBuffer memory_;
};

}  // namespace wxfer
