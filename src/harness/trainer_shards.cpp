#include "harness/trainer_shards.hpp"

#include <algorithm>
#include <cstring>

#include "common/error.hpp"
#include "harness/weights.hpp"

namespace wxfer {

TrainerShards::TrainerShards(const Plan& plan, int32_t trainer_rank, UpdateModel update) : plan_(plan), update_(update) {
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

namespace {

uint64_t words_for(int64_t bits) { return (static_cast<uint64_t>(bits) + 63) / 64; }

// Sets bit k of `mask` (a row's words) where element k of `now` differs from `before`.
template <typename T>
void compare_row(const uint8_t* before, const uint8_t* now, uint64_t n, uint64_t* mask) {
  for (uint64_t w = 0; w * 64 < n; ++w) {
    uint64_t bits = 0;
    const uint64_t end = std::min<uint64_t>(64, n - w * 64);
    for (uint64_t k = 0; k < end; ++k) {
      T a, b;
      std::memcpy(&a, before + (w * 64 + k) * sizeof(T), sizeof(T));
      std::memcpy(&b, now + (w * 64 + k) * sizeof(T), sizeof(T));
      bits |= static_cast<uint64_t>(a != b) << k;
    }
    mask[w] = bits;
  }
}

}  // namespace

void TrainerShards::track_changes() {
  uint64_t words = 0;
  for (Held& h : held_) {
    if (!h.held) continue;
    h.mask_word = words;
    words += static_cast<uint64_t>(h.rows.size()) * words_for(h.cols.size());
  }
  mask_.assign(std::max<uint64_t>(words, 1), ~uint64_t{0});
}

uint64_t TrainerShards::mask_row_bits(uint32_t tensor) const { return 64 * words_for(held_[tensor].cols.size()); }

uint64_t TrainerShards::mask_bit(uint32_t tensor, int64_t row, int64_t col) const {
  const Held& h = held_[tensor];
  WXFER_ASSERT(h.held && h.rows.lo <= row && row < h.rows.hi && h.cols.lo <= col && col < h.cols.hi);
  return h.mask_word * 64 + static_cast<uint64_t>(row - h.rows.lo) * mask_row_bits(tensor) +
         static_cast<uint64_t>(col - h.cols.lo);
}

void TrainerShards::fill(uint32_t step) {
  const auto& tensors = plan_.trainer_model().tensors;
  for (uint32_t i = 0; i < tensors.size(); ++i) {
    const Held& h = held_[i];
    if (!h.held || h.rows.empty() || h.cols.empty()) continue;
    const Tensor& t = tensors[i];
    const size_t elem = dtype_size(t.dtype);
    uint8_t* out = memory_.data() + h.offset;
    const auto n = static_cast<uint64_t>(h.cols.size());
    uint64_t* mask = mask_.empty() ? nullptr : mask_.data() + h.mask_word;
    for (int64_t r = h.rows.lo; r < h.rows.hi; ++r) {
      const auto first = static_cast<uint64_t>(r * t.cols + h.cols.lo);
      if (mask == nullptr) {
        fill_weights(update_, t.dtype, i, t.cols, first, n, step, out);
      } else {
        // The optimizer's change mask: the new row against the one it replaces.
        row_.resize(n * elem);
        fill_weights(update_, t.dtype, i, t.cols, first, n, step, row_.data());
        if (elem == 4)
          compare_row<uint32_t>(out, row_.data(), n, mask);
        else
          compare_row<uint16_t>(out, row_.data(), n, mask);
        std::memcpy(out, row_.data(), n * elem);
        mask += words_for(h.cols.size());
      }
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
