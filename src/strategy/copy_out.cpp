#include "strategy/copy_out.hpp"

#include <cstring>

namespace wxfer {

SliceCopyOut::SliceCopyOut(const Plan& plan, int32_t inference_rank) : plan_(plan), slices_by_tensor_(plan.dest().size()) {
  for (uint32_t si : plan.slices_of(inference_rank)) slices_by_tensor_[plan.slices()[si].tensor].push_back(si);
}

uint64_t SliceCopyOut::copy(uint32_t tensor, Range rows, const uint8_t* src, InferenceMemory& memory) const {
  const Tensor& t = plan_.dest_tensor(tensor);
  const size_t elem = dtype_size(t.dtype);
  const uint64_t full_row = t.row_bytes();
  uint64_t written = 0;
  for (uint32_t si : slices_by_tensor_[tensor]) {
    const Slice& s = plan_.slices()[si];
    const Range r{std::max(rows.lo, s.rows.lo), std::min(rows.hi, s.rows.hi)};
    if (r.empty()) continue;
    const auto slice_row = static_cast<uint64_t>(s.cols.size()) * elem;
    uint8_t* dst = memory.data() + memory.offset_of(s) + static_cast<uint64_t>(r.lo - s.rows.lo) * slice_row;
    const uint8_t* from = src + static_cast<uint64_t>(r.lo - rows.lo) * full_row + static_cast<uint64_t>(s.cols.lo) * elem;
    if (slice_row == full_row) {
      std::memcpy(dst, from, slice_row * static_cast<uint64_t>(r.size()));
    } else {
      for (int64_t i = 0; i < r.size(); ++i, dst += slice_row, from += full_row) std::memcpy(dst, from, slice_row);
    }
    written += slice_row * static_cast<uint64_t>(r.size());
  }
  return written;
}

}  // namespace wxfer
