#include "strategy/segment_source.hpp"
#include "record/stages.hpp"

#include <cstring>

#include "common/error.hpp"
#include "quant/block_quant.hpp"
#include "quant/mxfp4.hpp"

namespace wxfer {

SegmentSource::SegmentSource(const Plan& plan, const TrainerShards& shards, Transport& transport, const RankLayout& ranks,
                             int32_t trainer_rank, Recorder& recorder, bool offloaded, bool send_strided)
    : plan_(plan),
      shards_(shards),
      transport_(transport),
      ranks_(ranks),
      rank_(trainer_rank),
      recorder_(recorder),
      offloaded_(offloaded),
      send_strided_(send_strided),
      scales_(plan.trainer_model()) {
  for (uint32_t i = 0; i < plan.segments().size(); ++i) {
    const Segment& seg = plan.segments()[i];
    if (!seg.gather) continue;
    const int32_t owner = plan.source_rank(seg, 0);
    if (owner == rank_) continue;
    for (const auto& in : plan.gather_inputs(seg, owner))
      if (in.rank == rank_) contributions_.push_back({i, owner, in.rows, in.cols});
  }
}

namespace {

uint64_t aligned(uint64_t bytes) { return (bytes + 63) / 64 * 64; }

}  // namespace

SegmentSource::Work SegmentSource::work_of(uint32_t segment) const {
  const Segment& seg = plan_.segments()[segment];
  const Slice& s = plan_.slices()[seg.slice];
  const DestTensor& d = plan_.dest()[s.tensor];
  Work w;
  w.tensor = d.source;
  w.conversion = d.conversion;
  w.gather = seg.gather;
  plan_.source_box(s, seg.rows, w.rows, w.cols);
  const Placement& p = plan_.trainer_placement()[w.tensor];
  const size_t elem = dtype_size(plan_.trainer_model().tensors[w.tensor].dtype);
  const auto box = static_cast<uint64_t>(w.rows.size()) * static_cast<uint64_t>(w.cols.size()) * elem;
  uint64_t at = 0;
  auto take = [&at](uint64_t bytes, uint64_t& offset, uint64_t& size) {
    offset = at;
    size = bytes;
    at += aligned(bytes);
  };
  if (w.gather && p.dim == Split::cols) {
    // Our own piece is copied into place, the others' arrive here first.
    uint64_t others = 0;
    for (const auto& in : plan_.holders(w.tensor, w.rows, w.cols, p.copy_of(rank_)))
      if (in.rank != rank_) others += in.bytes;
    take(others, w.scatter_at, w.scatter);
  }
  if (w.conversion == Conversion::copy) {
    w.direct = !w.gather && !offloaded_ && shards_.contiguous(w.tensor, w.rows, w.cols) != nullptr;
    w.strided = !w.direct && !w.gather && !offloaded_ && send_strided_;
    w.out = w.direct || w.strided ? 0 : seg.bytes;  // a gathered or staged box is the segment itself
  } else {
    w.out = seg.bytes;
    w.staged = !w.gather && offloaded_;
    if (w.gather || w.staged) take(box, w.box_at, w.box);  // else held boxes are read in place, strided
    const bool fp8 = w.conversion == Conversion::quantize_fp8 || w.conversion == Conversion::fp8_scale;
    // MXFP4 writes codes or scales straight into the output, row by row: no scratch.
    const auto grid =
        fp8 ? static_cast<uint64_t>(quant::scale_rows(w.rows.size()) * quant::scale_cols(w.cols.size())) * sizeof(float) : 0;
    take(grid, w.scales_at, w.scales);
    if (w.conversion == Conversion::quantize_fp8) {
      w.fp8_in_place = seg.rows.lo == w.rows.lo && seg.rows.hi == w.rows.hi && s.cols.lo == w.cols.lo && s.cols.hi == w.cols.hi;
      if (!w.fp8_in_place) take(static_cast<uint64_t>(w.rows.size()) * static_cast<uint64_t>(w.cols.size()), w.fp8_at, w.fp8);
    }
  }
  w.scratch_bytes = at;
  w.total = aligned(w.out) + at;
  return w;
}

uint64_t SegmentSource::tmp_bytes(uint32_t segment) const { return work_of(segment).total; }

uint64_t SegmentSource::staging_bytes(const Plan& plan, int32_t trainer_rank) {
  uint64_t most = 0;
  const Range r = plan.transfers_of(trainer_rank);
  for (int64_t i = r.lo; i < r.hi; ++i)
    most = std::max(most, plan.segments()[plan.transfers()[static_cast<size_t>(i)].segment].bytes);
  return most;
}

void SegmentSource::start_step() {
  std::lock_guard lock(scales_mutex_);
  scales_.clear();
}

void SegmentSource::post_contributions() {
  packed_.resize(contributions_.size());
  sends_.clear();
  sends_done_ = 0;
  const double t0 = recorder_.now();
  uint64_t bytes = 0;
  for (size_t i = 0; i < contributions_.size(); ++i) {
    const auto& c = contributions_[i];
    const uint32_t tensor = plan_.dest()[plan_.slices()[plan_.segments()[c.segment].slice].tensor].source;
    const uint64_t n = static_cast<uint64_t>(c.rows.size()) * static_cast<uint64_t>(c.cols.size()) *
                       dtype_size(plan_.trainer_model().tensors[tensor].dtype);
    const uint8_t* src = shards_.contiguous(tensor, c.rows, c.cols);
    if (src == nullptr) {
      packed_[i].resize(n);
      shards_.copy_box(tensor, c.rows, c.cols, packed_[i].data());
      src = packed_[i].data();
    }
    sends_.push_back(transport_.isend(c.owner, {const_cast<uint8_t*>(src), n, MemoryKind::host, -1}, kGatherTag));
    bytes += n;
  }
  if (!contributions_.empty()) recorder_.record(stage::contribute, -1, -1, bytes, t0, recorder_.now());
}

void SegmentSource::progress_contributions() {
  // One test drives MPI's progress engine, which moves every pending send.
  while (sends_done_ < sends_.size() && sends_[sends_done_].done()) ++sends_done_;
}

void SegmentSource::finish_contributions(const Deadline& deadline) { wait_all(sends_, deadline); }

void SegmentSource::post_gather(uint32_t segment, uint8_t* tmp, std::vector<Request>& receives) {
  const Work w = work_of(segment);
  if (w.gather) post_gather_into(w, tmp, tmp + aligned(w.out), receives);
}

SendBytes SegmentSource::prepare(uint32_t segment, uint8_t* tmp, int32_t chunk) {
  const Work w = work_of(segment);
  return prepare_into(segment, w, tmp, tmp + aligned(w.out), chunk);
}

std::optional<SegmentSource::Box> SegmentSource::held_box(uint32_t segment) const {
  const Work w = work_of(segment);
  if (w.gather || w.conversion != Conversion::copy) return std::nullopt;
  return Box{w.tensor, w.rows, w.cols};
}

const uint8_t* SegmentSource::in_place(uint32_t segment) const {
  const Work w = work_of(segment);
  return w.direct ? shards_.contiguous(w.tensor, w.rows, w.cols) : nullptr;
}

const uint8_t* SegmentSource::materialize(uint32_t segment, uint8_t* staging, int32_t chunk, const Deadline& deadline) {
  const Work w = work_of(segment);
  if (scratch_.size() < w.scratch_bytes) scratch_.resize(w.scratch_bytes);
  if (w.gather) {
    const double t0 = recorder_.now();
    std::vector<Request> receives;
    post_gather_into(w, staging, scratch_.data(), receives);
    wait_all(receives, deadline);
    recorder_.record(stage::gather, chunk, -1, 0, t0, recorder_.now());
  }
  WXFER_ASSERT(!w.strided);
  return prepare_into(segment, w, staging, scratch_.data(), chunk).data;
}

SendBytes SegmentSource::prepare_into(uint32_t segment, const Work& w, uint8_t* out, uint8_t* scratch, int32_t chunk) {
  const Segment& seg = plan_.segments()[segment];
  const SendBytes packed{out, 1, seg.bytes, seg.bytes};
  if (w.gather) assemble_gather(w, out, scratch, chunk);
  if (w.staged) {
    const double t0 = recorder_.now();
    shards_.copy_box(w.tensor, w.rows, w.cols, scratch + w.box_at);
    recorder_.record(stage::stage_in, chunk, -1, w.box, t0, recorder_.now());
  }
  if (w.conversion != Conversion::copy) {
    quantize(segment, w, out, scratch, chunk);
    return packed;
  }
  if (w.direct) return {shards_.contiguous(w.tensor, w.rows, w.cols), 1, seg.bytes, seg.bytes};
  if (w.strided) {
    uint64_t stride = 0;
    const uint8_t* first = shards_.view(w.tensor, w.rows, w.cols, stride);
    const auto rows = static_cast<uint64_t>(w.rows.size());
    WXFER_ASSERT(rows > 0 && seg.bytes % rows == 0);
    return {first, rows, seg.bytes / rows, stride};
  }
  if (w.gather) return packed;  // gathered into place
  // Stage-in: the rows are strided in trainer memory (a column box of a held part), or that
  // memory is an offload buffer.
  const double t0 = recorder_.now();
  shards_.copy_box(w.tensor, w.rows, w.cols, out);
  recorder_.record(stage::stage_in, chunk, -1, seg.bytes, t0, recorder_.now());
  return packed;
}

void SegmentSource::quantize(uint32_t segment, const Work& w, uint8_t* out, uint8_t* scratch, int32_t chunk) {
  const Segment& seg = plan_.segments()[segment];
  const Slice& s = plan_.slices()[seg.slice];
  const double t0 = recorder_.now();
  const auto scale_row = static_cast<uint64_t>(s.cols.size()) * sizeof(float);
  if (w.conversion == Conversion::fp8_scale &&
      memo_get(w.tensor, seg.rows.lo, s.cols.lo, seg.rows.size(), s.cols.size(), out, scale_row)) {
    recorder_.record(stage::quantize, chunk, -1, seg.bytes, t0, recorder_.now());  // computed with the weight
    return;
  }
  quant::Bf16Region src{nullptr, w.rows.size(), w.cols.size(), w.cols.size()};
  if (w.gather || w.staged) {
    src.data = reinterpret_cast<const uint16_t*>(scratch + w.box_at);
  } else {
    uint64_t stride = 0;
    src.data = reinterpret_cast<const uint16_t*>(shards_.view(w.tensor, w.rows, w.cols, stride));
    src.stride = static_cast<int64_t>(stride / sizeof(uint16_t));
  }
  if (is_mxfp4(w.conversion)) {
    // The source box is exactly the segment's rows, and its blocks run along them.
    WXFER_ASSERT(w.rows.size() == seg.rows.size() && seg.bytes == static_cast<uint64_t>(seg.rows.size() * s.cols.size()));
    const bool codes = w.conversion == Conversion::quantize_mxfp4;
    const auto out_row = static_cast<uint64_t>(s.cols.size());
    for (int64_t r = 0; r < src.rows; ++r) {
      uint8_t* row_out = out + static_cast<uint64_t>(r) * out_row;
      quant::mxfp4::quantize_row(src.data + r * src.stride, src.cols, codes ? row_out : nullptr, codes ? nullptr : row_out);
    }
    recorder_.record(stage::quantize, chunk, -1, seg.bytes, t0, recorder_.now());
    return;
  }
  auto* scales = reinterpret_cast<float*>(scratch + w.scales_at);
  const int64_t grid_cols = quant::scale_cols(w.cols.size());
  if (w.conversion == Conversion::fp8_scale) {
    // The scale grid of the box is the segment: only the amax pass runs.
    WXFER_ASSERT(seg.rows.size() == quant::scale_rows(w.rows.size()) && s.cols.size() == grid_cols);
    quant::block_scales(src, scales, grid_cols);
    std::memcpy(out, scales, seg.bytes);  // `out` may not be float-aligned
  } else if (w.fp8_in_place) {
    quant::quantize(src, {out, w.cols.size(), scales, grid_cols});
  } else {
    // The inference cut splits a 128x128 block: quantize whole blocks, send the cut.
    uint8_t* fp8 = scratch + w.fp8_at;
    quant::quantize(src, {fp8, w.cols.size(), scales, grid_cols});
    const auto width = static_cast<uint64_t>(s.cols.size());
    for (int64_t r = seg.rows.lo; r < seg.rows.hi; ++r)
      std::memcpy(out + static_cast<uint64_t>(r - seg.rows.lo) * width,
                  fp8 + (r - w.rows.lo) * w.cols.size() + (s.cols.lo - w.cols.lo), width);
  }
  if (w.conversion == Conversion::quantize_fp8) {
    std::lock_guard lock(scales_mutex_);
    scales_.put(w.tensor, w.rows.lo / kFp8Block, w.cols.lo / kFp8Block, quant::scale_rows(w.rows.size()), grid_cols, scales,
                grid_cols);
  }
  recorder_.record(stage::quantize, chunk, -1, seg.bytes, t0, recorder_.now());
}

bool SegmentSource::memo_get(uint32_t tensor, int64_t row_block, int64_t col_block, int64_t rows, int64_t cols, uint8_t* out,
                             uint64_t out_stride) {
  std::lock_guard lock(scales_mutex_);
  return scales_.get(tensor, row_block, col_block, rows, cols, out, out_stride);
}

uint8_t* SegmentSource::box_of(const Work& w, uint8_t* out, uint8_t* scratch) const {
  return w.conversion == Conversion::copy ? out : scratch + w.box_at;
}

// Full-tensor gather, MPI half: the other holders' row pieces arrive into place, column
// pieces into the scatter area (interleaved by assemble_gather).
void SegmentSource::post_gather_into(const Work& w, uint8_t* out, uint8_t* scratch, std::vector<Request>& receives) {
  uint8_t* box = box_of(w, out, scratch);
  const size_t elem = dtype_size(plan_.trainer_model().tensors[w.tensor].dtype);
  const auto row_bytes = static_cast<uint64_t>(w.cols.size()) * elem;
  const Placement& p = plan_.trainer_placement()[w.tensor];
  uint64_t scatter_at = 0;
  for (const auto& in : plan_.holders(w.tensor, w.rows, w.cols, p.copy_of(rank_))) {
    if (in.rank == rank_) continue;
    uint8_t* into = box + static_cast<uint64_t>(in.rows.lo - w.rows.lo) * row_bytes;
    if (p.dim == Split::cols) {
      into = scratch + w.scatter_at + scatter_at;
      scatter_at += in.bytes;
    }
    receives.push_back(transport_.irecv(in.rank, {into, in.bytes, MemoryKind::host, -1}, kGatherTag));
  }
  WXFER_ASSERT(scatter_at <= w.scatter);
}

// Full-tensor gather, local half (after the receives): our own piece is copied in and
// column pieces are interleaved into rows.
void SegmentSource::assemble_gather(const Work& w, uint8_t* out, uint8_t* scratch, int32_t chunk) {
  const double t0 = recorder_.now();
  uint8_t* box = box_of(w, out, scratch);
  const size_t elem = dtype_size(plan_.trainer_model().tensors[w.tensor].dtype);
  const auto row_bytes = static_cast<uint64_t>(w.cols.size()) * elem;
  const Placement& p = plan_.trainer_placement()[w.tensor];
  uint64_t scatter_at = 0, received = 0;
  for (const auto& in : plan_.holders(w.tensor, w.rows, w.cols, p.copy_of(rank_))) {
    uint8_t* dst =
        box + static_cast<uint64_t>(in.rows.lo - w.rows.lo) * row_bytes + static_cast<uint64_t>(in.cols.lo - w.cols.lo) * elem;
    const auto piece_row = static_cast<uint64_t>(in.cols.size()) * elem;
    if (in.rank == rank_) {
      uint64_t stride = 0;
      const uint8_t* mine = shards_.view(w.tensor, in.rows, in.cols, stride);
      for (int64_t r = 0; r < in.rows.size(); ++r)
        std::memcpy(dst + static_cast<uint64_t>(r) * row_bytes, mine + static_cast<uint64_t>(r) * stride, piece_row);
      continue;
    }
    received += in.bytes;
    if (p.dim != Split::cols) continue;  // rows arrived in place
    const uint8_t* piece = scratch + w.scatter_at + scatter_at;
    for (int64_t r = 0; r < in.rows.size(); ++r)
      std::memcpy(dst + static_cast<uint64_t>(r) * row_bytes, piece + static_cast<uint64_t>(r) * piece_row, piece_row);
    scatter_at += in.bytes;
  }
  recorder_.record(stage::gather, chunk, -1, received, t0, recorder_.now());
}

}  // namespace wxfer
