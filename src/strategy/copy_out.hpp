// Receivers of whole tensors (gather, broadcast) keep only their slices: copy the rows
// they hold out of a full-width row range.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/inference_memory.hpp"
#include "plan/plan.hpp"

namespace wxfer {

class SliceCopyOut {
 public:
  SliceCopyOut(const Plan& plan, int32_t inference_rank);
  // `rows` full-width rows of destination tensor `tensor`, starting at row rows.lo;
  // returns the bytes written into `memory`.
  uint64_t copy(uint32_t tensor, Range rows, const uint8_t* src, InferenceMemory& memory) const;

 private:
  const Plan& plan_;
  std::vector<std::vector<uint32_t>> slices_by_tensor_;
};

}  // namespace wxfer
