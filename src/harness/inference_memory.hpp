// What one inference rank holds: its slice of every destination tensor, back to back, in
// memory it exposes to the trainers; and the check that every byte is this step's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/weights.hpp"
#include "plan/plan.hpp"
#include "transport/memory.hpp"

namespace wxfer {

struct VerifyFailure {
  std::string tensor;
  uint64_t byte_lo = 0, byte_hi = 0;  // within the full tensor, row-major
  int32_t inference_rank = 0;
  int32_t expected_source = -1;  // the trainer rank the plan names for those bytes
  std::string describe(uint32_t step) const;
};

class InferenceMemory {
 public:
  InferenceMemory(const Plan& plan, int32_t inference_rank, UpdateModel update = {});
  uint8_t* data() const { return data_; }
  MemorySpan span() const { return {data_, bytes_, MemoryKind::host, -1}; }
  uint64_t bytes() const { return bytes_; }
  // Hold the weights in `storage` (memory a transport allocated to expose, at least
  // bytes() long) instead of this rank's own buffer; and back. The own buffer is kept
  // meanwhile: memory freed mid-run is given back to the host by a VM that reports free
  // pages, which stalled the steps that followed (docs/pipeline.md), and the next strategy
  // needs it again.
  void use_storage(MemorySpan storage);
  void use_own_storage();
  // Byte offset of a slice inside this rank's memory.
  uint64_t offset_of(const Slice& s) const { return plan_.local_offset(s.tensor, rank_); }
  // Checks every held byte against version `step` of the update model's content; the first bad run, if any.
  std::optional<VerifyFailure> verify(uint32_t step) const;

 private:
  int32_t source_of(uint32_t slice, int64_t row) const;
  std::optional<VerifyFailure> verify_copy(uint32_t slice, uint32_t step) const;
  // FP8 layout (verify_fp8.cpp): the receiver regenerates each 128x128 block's bf16 source
  // and quantizes it, so the block's scale (its amax) is recomputed from the whole block.
  std::optional<VerifyFailure> verify_fp8(uint32_t slice, uint32_t step) const;
  // MXFP4 (verify_mxfp4.cpp): each row's bf16 source regenerated, quantized with the
  // reference, compared with the codes or scales held.
  std::optional<VerifyFailure> verify_mxfp4(uint32_t slice, uint32_t step) const;
  VerifyFailure failure(uint32_t slice, int64_t row, uint64_t byte_lo, uint64_t byte_hi) const;
  // Row `row` of a slice as held (`got`) against what it should be: nothing when equal, else
  // the failure naming the run of differing bytes.
  std::optional<VerifyFailure> row_mismatch(uint32_t slice, int64_t row, const uint8_t* got, const uint8_t* want,
                                            uint64_t bytes) const;
  const Plan& plan_;
  int32_t rank_;
  UpdateModel update_;  // what each version holds
  uint64_t bytes_ = 0;
  HostBuffer memory_;        // own storage
  uint8_t* data_ = nullptr;  // where the weights are now
};

}  // namespace wxfer
