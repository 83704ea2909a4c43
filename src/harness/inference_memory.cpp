#include "harness/inference_memory.hpp"

#include <cstring>
#include <vector>

#include "common/error.hpp"
#include "harness/weights.hpp"

namespace wxfer {

std::string VerifyFailure::describe(uint32_t step) const {
  return "verification failed at step " + std::to_string(step) + ": " + tensor + " bytes [" + std::to_string(byte_lo) +
         ", " + std::to_string(byte_hi) + ") on inference rank " + std::to_string(inference_rank) +
         " (sent by trainer rank " + std::to_string(expected_source) + ") hold stale or wrong data";
}

InferenceMemory::InferenceMemory(const Plan& plan, int32_t inference_rank)
    : plan_(plan), rank_(inference_rank), memory_(plan.local_bytes(inference_rank)) {}

int32_t InferenceMemory::source_of(uint32_t slice, int64_t row) const {
  const Slice& s = plan_.slices()[slice];
  for (const auto& seg : plan_.segments()) {
    if (seg.slice != slice || row < seg.rows.lo || row >= seg.rows.hi) continue;
    for (uint32_t k = 0; k < plan_.copies(s); ++k)
      if (plan_.dest_rank(s, k) == rank_) return plan_.source_rank(seg, k);
  }
  return -1;
}

std::optional<VerifyFailure> InferenceMemory::verify(uint32_t step) const {
  std::vector<uint8_t> expected;
  for (uint32_t si : plan_.slices_of(rank_)) {
    const Slice& s = plan_.slices()[si];
    const Tensor& t = plan_.dest_tensor(s.tensor);
    const DestTensor& d = plan_.dest()[s.tensor];
    if (d.conversion != Conversion::copy)
      throw_system_error("InferenceMemory::verify", "fp8 verification is not available in this build");
    const size_t elem = dtype_size(t.dtype);
    const auto row_bytes = static_cast<uint64_t>(s.cols.size()) * elem;
    expected.resize(row_bytes);
    const uint8_t* got = memory_.data() + offset_of(s);
    for (int64_t r = s.rows.lo; r < s.rows.hi; ++r, got += row_bytes) {
      const auto first = static_cast<uint64_t>(r * t.cols + s.cols.lo);
      fill_weights(t.dtype, d.source, first, static_cast<uint64_t>(s.cols.size()), step, expected.data());
      if (std::memcmp(got, expected.data(), row_bytes) == 0) continue;
      uint64_t lo = 0, hi = row_bytes;
      while (got[lo] == expected[lo]) ++lo;
      while (got[hi - 1] == expected[hi - 1]) --hi;
      VerifyFailure f;
      f.tensor = t.name;
      f.byte_lo = first * elem + lo;
      f.byte_hi = first * elem + hi;
      f.inference_rank = rank_;
      f.expected_source = source_of(si, r);
      return f;
    }
  }
  return std::nullopt;
}

}  // namespace wxfer
