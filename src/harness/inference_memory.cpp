#include "harness/inference_memory.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "harness/weights.hpp"

namespace wxfer {

std::string VerifyFailure::describe(uint32_t step) const {
  return "verification failed at step " + std::to_string(step) + ": " + tensor + " bytes [" + std::to_string(byte_lo) + ", " +
         std::to_string(byte_hi) + ") on inference rank " + std::to_string(inference_rank) + " (sent by trainer rank " +
         std::to_string(expected_source) + ") hold stale or wrong data";
}

InferenceMemory::InferenceMemory(const Plan& plan, int32_t inference_rank, UpdateModel update)
    : plan_(plan),
      rank_(inference_rank),
      update_(update),
      bytes_(plan.local_bytes(inference_rank)),
      memory_(bytes_),
      data_(memory_.data()) {}

void InferenceMemory::use_storage(MemorySpan storage) {
  if (storage.kind != MemoryKind::host || storage.bytes < bytes_)
    throw_system_error("InferenceMemory::use_storage",
                       "needs " + std::to_string(bytes_) + " bytes of host memory, got " + std::to_string(storage.bytes));
  data_ = static_cast<uint8_t*>(storage.data);
}

void InferenceMemory::use_own_storage() { data_ = memory_.data(); }

int32_t InferenceMemory::source_of(uint32_t slice, int64_t row) const {
  const Slice& s = plan_.slices()[slice];
  for (const auto& seg : plan_.segments()) {
    if (seg.slice != slice || row < seg.rows.lo || row >= seg.rows.hi) continue;
    for (uint32_t k = 0; k < plan_.copies(s); ++k)
      if (plan_.dest_rank(s, k) == rank_) return plan_.source_rank(seg, k);
  }
  return -1;
}

VerifyFailure InferenceMemory::failure(uint32_t slice, int64_t row, uint64_t byte_lo, uint64_t byte_hi) const {
  VerifyFailure f;
  f.tensor = plan_.dest_tensor(plan_.slices()[slice].tensor).name;
  f.byte_lo = byte_lo;
  f.byte_hi = byte_hi;
  f.inference_rank = rank_;
  f.expected_source = source_of(slice, row);
  return f;
}

std::optional<VerifyFailure> InferenceMemory::verify(uint32_t step) const {
  for (uint32_t si : plan_.slices_of(rank_)) {
    const Conversion c = plan_.dest()[plan_.slices()[si].tensor].conversion;
    if (auto f = c == Conversion::copy ? verify_copy(si, step) : is_mxfp4(c) ? verify_mxfp4(si, step) : verify_fp8(si, step))
      return f;
  }
  return std::nullopt;
}

std::optional<VerifyFailure> InferenceMemory::row_mismatch(uint32_t si, int64_t row, const uint8_t* got, const uint8_t* want,
                                                           uint64_t bytes) const {
  if (std::memcmp(got, want, bytes) == 0) return std::nullopt;
  uint64_t lo = 0, hi = bytes;
  while (got[lo] == want[lo]) ++lo;
  while (got[hi - 1] == want[hi - 1]) --hi;
  const Slice& s = plan_.slices()[si];
  const Tensor& t = plan_.dest_tensor(s.tensor);
  const auto first = static_cast<uint64_t>(row * t.cols + s.cols.lo) * dtype_size(t.dtype);
  return failure(si, row, first + lo, first + hi);
}

std::optional<VerifyFailure> InferenceMemory::verify_copy(uint32_t si, uint32_t step) const {
  const Slice& s = plan_.slices()[si];
  const Tensor& t = plan_.dest_tensor(s.tensor);
  const DestTensor& d = plan_.dest()[s.tensor];
  const size_t elem = dtype_size(t.dtype);
  const auto row_bytes = static_cast<uint64_t>(s.cols.size()) * elem;
  std::vector<uint8_t> expected(row_bytes);
  const uint8_t* got = data_ + offset_of(s);
  for (int64_t r = s.rows.lo; r < s.rows.hi; ++r, got += row_bytes) {
    const auto first = static_cast<uint64_t>(r * t.cols + s.cols.lo);
    fill_weights(update_, t.dtype, d.source, t.cols, first, static_cast<uint64_t>(s.cols.size()), step, expected.data());
    if (auto f = row_mismatch(si, r, got, expected.data(), row_bytes)) return f;
  }
  return std::nullopt;
}

}  // namespace wxfer
