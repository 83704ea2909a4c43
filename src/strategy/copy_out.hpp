// Receivers of whole tensors (gather, broadcast) keep only their slices: copy the rows
// they hold out of a full-width row range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/inference_memory.hpp"
#include "plan/plan.hpp"
#include "quant/delta.hpp"

namespace wxfer {

class SliceCopyOut {
 public:
  SliceCopyOut(const Plan& plan, int32_t inference_rank);
  // `rows` full-width rows of destination tensor `tensor`, starting at row rows.lo;
  // returns the bytes written into `memory`.
  uint64_t copy(uint32_t tensor, Range rows, const uint8_t* src, InferenceMemory& memory) const;
  // The same rows as a delta record (docs/sparse.md): each changed element this rank holds is
  // written into its slice; what is malformed (a record of another shape), if anything.
  std::optional<std::string> patch(uint32_t tensor, Range rows, const delta::PatchHeader& header, const uint8_t* payload,
                                   InferenceMemory& memory, uint64_t& written) const;

 private:
  const Plan& plan_;
  std::vector<std::vector<uint32_t>> slices_by_tensor_;
};

}  // namespace wxfer
