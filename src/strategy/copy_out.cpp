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

std::optional<std::string> SliceCopyOut::patch(uint32_t tensor, Range rows, const delta::PatchHeader& h, const uint8_t* payload,
                                               InferenceMemory& memory, uint64_t& written) const {
  const Tensor& t = plan_.dest_tensor(tensor);
  const size_t elem = dtype_size(t.dtype);
  const auto cols = static_cast<uint64_t>(t.cols);
  if (h.elem_bytes != elem || h.elements != static_cast<uint64_t>(rows.size()) * cols)
    return "a record of " + std::to_string(h.elements) + " elements of " + std::to_string(h.elem_bytes) + " bytes for " +
           std::to_string(rows.size()) + " rows of " + t.name;
  const auto& mine = slices_by_tensor_[tensor];
  if (mine.empty()) return std::nullopt;
  return delta::for_each_change(h, payload, [&](uint64_t index, const uint8_t* value) {
    const int64_t row = rows.lo + static_cast<int64_t>(index / cols), col = static_cast<int64_t>(index % cols);
    for (uint32_t si : mine) {
      const Slice& s = plan_.slices()[si];
      if (row < s.rows.lo || row >= s.rows.hi || col < s.cols.lo || col >= s.cols.hi) continue;
      const auto at = (static_cast<uint64_t>(row - s.rows.lo) * static_cast<uint64_t>(s.cols.size()) +
                       static_cast<uint64_t>(col - s.cols.lo)) *
                      elem;
      std::memcpy(memory.data() + memory.offset_of(s) + at, value, elem);
      written += elem;
    }
  });
}

}  // namespace wxfer
