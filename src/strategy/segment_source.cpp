#include "strategy/segment_source.hpp"

#include <cstring>

#include "common/error.hpp"

namespace wxfer {

SegmentSource::SegmentSource(const Plan& plan, const TrainerShards& shards, Transport& transport,
                             const RankLayout& ranks, int32_t trainer_rank, Recorder& recorder)
    : plan_(plan), shards_(shards), transport_(transport), ranks_(ranks), rank_(trainer_rank), recorder_(recorder) {
  for (uint32_t i = 0; i < plan.segments().size(); ++i) {
    const Segment& seg = plan.segments()[i];
    if (!seg.gather) continue;
    const int32_t owner = plan.source_rank(seg, 0);
    if (owner == rank_) continue;
    for (const auto& in : plan.gather_inputs(seg, owner))
      if (in.rank == rank_) contributions_.push_back({i, owner, in.rows, in.cols});
  }
}

uint64_t SegmentSource::staging_bytes(const Plan& plan, int32_t trainer_rank) {
  uint64_t most = 0;
  const Range r = plan.transfers_of(trainer_rank);
  for (int64_t i = r.lo; i < r.hi; ++i) most = std::max(most, plan.segments()[plan.transfers()[static_cast<size_t>(i)].segment].bytes);
  return most;
}

void SegmentSource::post_contributions() {
  packed_.resize(contributions_.size());
  sends_.clear();
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
  if (!contributions_.empty()) recorder_.record("contribute", -1, -1, bytes, t0, recorder_.now());
}

void SegmentSource::finish_contributions(const Deadline& deadline) { wait_all(sends_, deadline); }

const uint8_t* SegmentSource::materialize(uint32_t segment, uint8_t* staging, int32_t chunk, const Deadline& deadline) {
  const Segment& seg = plan_.segments()[segment];
  const Slice& s = plan_.slices()[seg.slice];
  const DestTensor& d = plan_.dest()[s.tensor];
  if (d.conversion != Conversion::copy)
    throw_system_error("SegmentSource::materialize", "fp8 conversion on the sender is not available in this build");
  Range rows, cols;
  plan_.source_box(s, seg.rows, rows, cols);
  const uint32_t tensor = d.source;
  const size_t elem = dtype_size(plan_.trainer_model().tensors[tensor].dtype);
  const auto row_bytes = static_cast<uint64_t>(cols.size()) * elem;
  if (!seg.gather) {
    if (const uint8_t* direct = shards_.contiguous(tensor, rows, cols)) return direct;
    const double t0 = recorder_.now();
    shards_.copy_box(tensor, rows, cols, staging);
    recorder_.record("pack", chunk, -1, seg.bytes, t0, recorder_.now());
    return staging;
  }
  // Full-tensor gather: the other holders' pieces arrive into place, ours is copied.
  const double t0 = recorder_.now();
  const Placement& p = plan_.trainer_placement()[tensor];
  std::vector<Request> recvs;
  std::vector<std::pair<GatherInput, uint64_t>> scattered;  // column pieces, with their offset in scatter_
  uint64_t scatter_bytes = 0;
  const auto inputs = plan_.holders(tensor, rows, cols, p.copy_of(rank_));
  for (const auto& in : inputs)
    if (in.rank != rank_ && p.dim == Split::cols) scatter_bytes += in.bytes;
  scatter_.resize(scatter_bytes);
  uint64_t scatter_at = 0;
  for (const auto& in : inputs) {
    uint8_t* dst = staging + static_cast<uint64_t>(in.rows.lo - rows.lo) * row_bytes +
                   static_cast<uint64_t>(in.cols.lo - cols.lo) * elem;
    if (in.rank == rank_) {
      if (p.dim == Split::cols) {
        const auto piece_row = static_cast<uint64_t>(in.cols.size()) * elem;
        std::vector<uint8_t> mine(in.bytes);
        shards_.copy_box(tensor, in.rows, in.cols, mine.data());
        for (int64_t r = 0; r < in.rows.size(); ++r)
          std::memcpy(dst + static_cast<uint64_t>(r) * row_bytes, mine.data() + static_cast<uint64_t>(r) * piece_row, piece_row);
      } else {
        shards_.copy_box(tensor, in.rows, in.cols, dst);
      }
      continue;
    }
    uint8_t* into = dst;
    if (p.dim == Split::cols) {
      into = scatter_.data() + scatter_at;
      scattered.push_back({in, scatter_at});
      scatter_at += in.bytes;
    }
    recvs.push_back(transport_.irecv(in.rank, {into, in.bytes, MemoryKind::host, -1}, kGatherTag));
  }
  wait_all(recvs, deadline);
  for (const auto& [in, at] : scattered) {
    const auto piece_row = static_cast<uint64_t>(in.cols.size()) * elem;
    uint8_t* dst = staging + static_cast<uint64_t>(in.cols.lo - cols.lo) * elem;
    for (int64_t r = 0; r < in.rows.size(); ++r)
      std::memcpy(dst + static_cast<uint64_t>(r) * row_bytes, scatter_.data() + at + static_cast<uint64_t>(r) * piece_row,
                  piece_row);
  }
  recorder_.record("gather", chunk, -1, seg.bytes, t0, recorder_.now());
  return staging;
}

}  // namespace wxfer
