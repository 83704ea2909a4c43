// Cutting slices into segments that one trainer rank can send without help, and
// marking those that need a gather first.
#include <algorithm>

#include "common/error.hpp"
#include "plan/plan.hpp"

namespace wxfer {
namespace {

// Maps a destination row to the trainer rows it is computed from (monotone in the row).
struct RowMap {
  Conversion conversion;
  int64_t source_rows;

  int64_t lo(int64_t d) const {
    switch (conversion) {
      case Conversion::copy:
        return d;
      case Conversion::quantize_fp8:
        return d / kFp8Block * kFp8Block;
      case Conversion::fp8_scale:
        return d * kFp8Block;
      case Conversion::quantize_mxfp4:
      case Conversion::mxfp4_scale:
        return d;  // MXFP4 blocks run along rows
    }
    return d;
  }
  int64_t hi(int64_t d) const {
    switch (conversion) {
      case Conversion::copy:
        return d + 1;
      case Conversion::quantize_fp8:
        return std::min(source_rows, (d / kFp8Block + 1) * kFp8Block);
      case Conversion::fp8_scale:
        return std::min(source_rows, (d + 1) * kFp8Block);
      case Conversion::quantize_mxfp4:
      case Conversion::mxfp4_scale:
        return d + 1;
    }
    return d + 1;
  }
  // Destination rows that must travel together (a quantization block).
  int64_t unit() const { return conversion == Conversion::quantize_fp8 ? kFp8Block : 1; }
  // End of the destination rows whose source rows all lie below `source_row`.
  int64_t end_within(int64_t source_row) const {
    switch (conversion) {
      case Conversion::copy:
        return source_row;
      case Conversion::quantize_fp8:
        return source_row / kFp8Block * kFp8Block;
      case Conversion::fp8_scale:
        return source_row / kFp8Block;
      case Conversion::quantize_mxfp4:
      case Conversion::mxfp4_scale:
        return source_row;
    }
    return source_row;
  }
};

struct Cut {
  Range rows;
  int32_t part;  // -1: needs a gather
};

// Cuts destination rows [a, b) where trainer parts along dim 0 end.
std::vector<Cut> cut_rows(const Placement& tp, const RowMap& map, Range dest) {
  std::vector<Cut> cuts;
  int64_t d = dest.lo;
  while (d < dest.hi) {
    const int32_t part = tp.part_of(map.lo(d));
    const Range held = tp.part_range(part, map.source_rows);
    int64_t e = 0;
    int32_t who = part;
    if (map.hi(d) > held.hi) {
      // This unit's source rows straddle two parts: whoever sends it gathers first.
      e = std::min(dest.hi, (d / map.unit() + 1) * map.unit());
      who = -1;
    } else {
      e = held.hi >= map.source_rows ? dest.hi : std::min(dest.hi, map.end_within(held.hi));
    }
    WXFER_ASSERT(e > d);
    if (who < 0 && !cuts.empty() && cuts.back().part < 0)
      cuts.back().rows.hi = e;
    else
      cuts.push_back({{d, e}, who});
    d = e;
  }
  return cuts;
}

}  // namespace

void Plan::build_segments() {
  const uint64_t chunk = options_.chunk_bytes;
  // Where a slice is cut and who sends each cut (a held part, or -1: a gather first).
  auto cuts_of = [&](const Slice& s) {
    const DestTensor& d = dest_[s.tensor];
    const Tensor& src = trainer_model_.tensors[d.source];
    const Tensor& dst = dest_model_.tensors[s.tensor];
    const Placement& tp = trainer_placement_[d.source];
    const RowMap map{d.conversion, src.rows};
    const uint64_t row_bytes = static_cast<uint64_t>(s.cols.size()) * dtype_size(dst.dtype);
    std::vector<Cut> cuts;
    if (tp.parts == 1) {
      cuts.push_back({s.rows, 0});
    } else if (tp.dim == Split::rows) {
      // Three or more trainer parts means whole interior parts: if one of those is below
      // the minimum, the slice will be gathered anyway, so skip cutting it.
      Range src_rows, src_cols;
      source_box(s, s.rows, src_rows, src_cols);
      const int32_t spanned = tp.part_of(src_rows.hi - 1) - tp.part_of(src_rows.lo) + 1;
      const auto interior_bytes = static_cast<uint64_t>(tp.chunk) * row_bytes;
      if (spanned >= 3 && interior_bytes < options_.min_segment_bytes)
        cuts.push_back({s.rows, -1});
      else
        cuts = cut_rows(tp, map, s.rows);
    } else {
      Range src_rows, src_cols;
      source_box(s, s.rows, src_rows, src_cols);
      const int32_t first = tp.part_of(src_cols.lo), last = tp.part_of(src_cols.hi - 1);
      cuts.push_back({s.rows, first == last ? first : -1});
    }
    // Tiny cuts make tiny messages: send the whole slice from one rank after a gather.
    if (cuts.size() > 1) {
      uint64_t smallest = UINT64_MAX;
      for (const auto& c : cuts) smallest = std::min(smallest, static_cast<uint64_t>(c.rows.size()) * row_bytes);
      if (smallest < options_.min_segment_bytes) cuts.assign(1, Cut{s.rows, -1});
    }
    return cuts;
  };

  for (uint32_t si = 0; si < slices_.size(); ++si) {
    const Slice& s = slices_[si];
    const DestTensor& d = dest_[s.tensor];
    const Tensor& src = trainer_model_.tensors[d.source];
    const Tensor& dst = dest_model_.tensors[s.tensor];
    const RowMap map{d.conversion, src.rows};
    const uint64_t row_bytes = static_cast<uint64_t>(s.cols.size()) * dtype_size(dst.dtype);

    std::vector<Cut> cuts;
    if (d.conversion == Conversion::fp8_scale) {
      // Scales are cut where their weight is: tiny on their own, they would otherwise be
      // merged into one gathered slice, and the sender would gather the whole bf16 weight
      // just to compute them. A weight cut [lo, hi) has the scale rows of its blocks.
      const Slice& weight = slices_[first_slice_[s.tensor - 1] + static_cast<uint32_t>(s.part)];
      for (const auto& c : cuts_of(weight))
        cuts.push_back({{c.rows.lo / kFp8Block, (c.rows.hi + kFp8Block - 1) / kFp8Block}, c.part});
      WXFER_ASSERT(!cuts.empty() && cuts.front().rows.lo == s.rows.lo && cuts.back().rows.hi == s.rows.hi);
    } else {
      cuts = cuts_of(s);
    }
    // Bound each segment by the chunk size, in whole quantization blocks.
    const int64_t unit = map.unit();
    int64_t max_rows = std::max<int64_t>(unit, static_cast<int64_t>(chunk / std::max<uint64_t>(row_bytes, 1)) / unit * unit);
    if (d.conversion == Conversion::fp8_scale) {
      // As many blocks as a weight segment: computing them reads the same bf16 box.
      const auto weight_row = static_cast<uint64_t>(dest_model_.tensors[s.tensor - 1].cols) * dtype_size(DType::fp8_e4m3);
      max_rows = std::max<int64_t>(1, static_cast<int64_t>(chunk / std::max<uint64_t>(weight_row, 1)) / kFp8Block);
    }
    for (const auto& c : cuts) {
      for (int64_t r = c.rows.lo; r < c.rows.hi;) {
        const int64_t e = std::min(c.rows.hi, r + max_rows);
        Segment seg;
        seg.slice = si;
        seg.rows = {r, e};
        seg.offset = static_cast<uint64_t>(r - s.rows.lo) * row_bytes;
        seg.bytes = static_cast<uint64_t>(e - r) * row_bytes;
        seg.part = c.part;
        seg.gather = c.part < 0;
        if (seg.bytes > 0) segments_.push_back(seg);
        r = e;
      }
    }
  }
}

}  // namespace wxfer
