#include "harness/trainer_shards.hpp"

#include <cstring>

#include "common/error.hpp"
#include "harness/weights.hpp"

namespace wxfer {

TrainerShards::TrainerShards(const Plan& plan, int32_t trainer_rank) : plan_(plan) {
  const auto& tensors = plan.trainer_model().tensors;
  held_.resize(tensors.size());
  // The parts start kCopySourceOffset into a page: both sides pack their tensors from a page
  // boundary, so with like layouts a part and its destination would sit at the same offset in
  // their pages, where a put (a CPU copy within a node) is slowest. GPU copies do not care.
  uint64_t total = kCopySourceOffset;
  for (uint32_t i = 0; i < tensors.size(); ++i) {
    const Placement& p = plan.trainer_placement()[i];
    const int32_t part = p.part_of_rank(trainer_rank);
    if (part < 0) continue;
    Held& h = held_[i];
    h.rows = {0, tensors[i].rows};
    h.cols = {0, tensors[i].cols};
    (p.dim == Split::cols ? h.cols : h.rows) = p.part_range(part, p.extent(tensors[i]));
    h.held = true;
    h.offset = total;
    total += static_cast<uint64_t>(h.rows.size()) * static_cast<uint64_t>(h.cols.size()) * dtype_size(tensors[i].dtype);
  }
  memory_ = HostBuffer(total);
}

void TrainerShards::fill(uint32_t step) {
  const auto& tensors = plan_.trainer_model().tensors;
  for (uint32_t i = 0; i < tensors.size(); ++i) {
    const Held& h = held_[i];
    if (!h.held || h.rows.empty() || h.cols.empty()) continue;
    const Tensor& t = tensors[i];
    const size_t elem = dtype_size(t.dtype);
    uint8_t* out = memory_.data() + h.offset;
    for (int64_t r = h.rows.lo; r < h.rows.hi; ++r) {
      const auto n = static_cast<uint64_t>(h.cols.size());
      fill_weights(t.dtype, i, t.cols, static_cast<uint64_t>(r * t.cols + h.cols.lo), n, step, out);
      out += n * elem;
    }
  }
}

const uint8_t* TrainerShards::contiguous(uint32_t tensor, Range rows, Range cols) const {
  const Held& h = held_[tensor];
  WXFER_ASSERT(h.held && h.rows.lo <= rows.lo && rows.hi <= h.rows.hi && h.cols.lo <= cols.lo && cols.hi <= h.cols.hi);
  const bool full_rows = cols.lo == h.cols.lo && cols.hi == h.cols.hi;
  if (!full_rows && rows.size() > 1) return nullptr;
  const size_t elem = dtype_size(plan_.trainer_model().tensors[tensor].dtype);
  const auto row_bytes = static_cast<uint64_t>(h.cols.size()) * elem;
  return memory_.data() + h.offset + static_cast<uint64_t>(rows.lo - h.rows.lo) * row_bytes +
         static_cast<uint64_t>(cols.lo - h.cols.lo) * elem;
}

const uint8_t* TrainerShards::view(uint32_t tensor, Range rows, Range cols, uint64_t& stride) const {
  const Held& h = held_[tensor];
  WXFER_ASSERT(h.held && h.rows.lo <= rows.lo && rows.hi <= h.rows.hi && h.cols.lo <= cols.lo && cols.hi <= h.cols.hi);
  const size_t elem = dtype_size(plan_.trainer_model().tensors[tensor].dtype);
  stride = static_cast<uint64_t>(h.cols.size()) * elem;
  return memory_.data() + h.offset + static_cast<uint64_t>(rows.lo - h.rows.lo) * stride +
         static_cast<uint64_t>(cols.lo - h.cols.lo) * elem;
}

void TrainerShards::copy_box(uint32_t tensor, Range rows, Range cols, uint8_t* out) const {
  const Held& h = held_[tensor];
  WXFER_ASSERT(h.held && h.rows.lo <= rows.lo && rows.hi <= h.rows.hi && h.cols.lo <= cols.lo && cols.hi <= h.cols.hi);
  const size_t elem = dtype_size(plan_.trainer_model().tensors[tensor].dtype);
  const auto src_row = static_cast<uint64_t>(h.cols.size()) * elem;
  const auto dst_row = static_cast<uint64_t>(cols.size()) * elem;
  const uint8_t* src = memory_.data() + h.offset + static_cast<uint64_t>(rows.lo - h.rows.lo) * src_row +
                       static_cast<uint64_t>(cols.lo - h.cols.lo) * elem;
  for (int64_t r = rows.lo; r < rows.hi; ++r, src += src_row, out += dst_row) std::memcpy(out, src, dst_row);
}

}  // namespace wxfer
