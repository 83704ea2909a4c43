#include "plan/plan.hpp"

#include <limits>

#include "common/error.hpp"
#include "model/inventory.hpp"

namespace wxfer {

Plan::Plan(Model trainer_model, TrainerLayout trainer, InferenceLayout inference, PlanOptions options)
    : trainer_model_(std::move(trainer_model)), trainer_layout_(trainer), inference_layout_(inference), options_(options) {
  if (trainer_model_.dtype != DType::bf16) throw_usage("the trainer holds bf16 weights: build the plan from the bf16 inventory");
  if (options_.chunk_bytes == 0) throw_usage("invalid chunk size 0: must be at least one byte");
  if (!(options_.link_bandwidth > 0)) throw_usage("invalid link bandwidth: must be positive");
  trainer_placement_ = place_trainer(trainer_model_, trainer_layout_);
  inference_placement_ = place_inference(trainer_model_, inference_layout_);
  build_dest();
  group_fused_pieces();
  layout_receivers();
  build_segments();
  choose_sources();
  order_transfers();
  compute_stats();
}

void Plan::build_dest() {
  dest_model_.name = trainer_model_.name;
  dest_model_.config = trainer_model_.config;
  dest_model_.dtype = options_.inference_dtype;
  if (options_.inference_dtype == DType::bf16) {
    dest_model_.tensors = trainer_model_.tensors;
    dest_.resize(dest_model_.tensors.size());
    for (uint32_t i = 0; i < dest_.size(); ++i) dest_[i] = {i, Conversion::copy};
  } else {
    // The quantized layout without its buffers, mapped back to the trainer tensors.
    for (auto& t : build_inventory(trainer_model_.config, options_.inference_dtype))
      if (!t.buffer) dest_model_.tensors.push_back(std::move(t));
    uint32_t next_source = 0;
    dest_.resize(dest_model_.tensors.size());
    for (size_t i = 0; i < dest_.size(); ++i) {
      auto& t = dest_model_.tensors[i];
      if (t.scale_of >= 0) {
        // scale_of indexed the inventory with buffers; the weight sits just before.
        t.scale_of = static_cast<int32_t>(i - 1);
        dest_[i] = {dest_[i - 1].source, t.dtype == DType::e8m0 ? Conversion::mxfp4_scale : Conversion::fp8_scale};
        continue;
      }
      WXFER_ASSERT(next_source < trainer_model_.tensors.size());
      WXFER_ASSERT(trainer_model_.tensors[next_source].name == t.name);
      const Conversion c = t.dtype == DType::fp8_e4m3 ? Conversion::quantize_fp8
                           : t.dtype == DType::mxfp4  ? Conversion::quantize_mxfp4
                                                      : Conversion::copy;
      dest_[i] = {next_source++, c};
    }
    WXFER_ASSERT(next_source == trainer_model_.tensors.size());
  }
  // Slices: every part of every destination tensor, parts consecutive.
  first_slice_.resize(dest_.size() + 1);
  for (uint32_t i = 0; i < dest_.size(); ++i) {
    first_slice_[i] = static_cast<uint32_t>(slices_.size());
    const Placement& p = dest_placement(i);
    const Tensor& src = trainer_model_.tensors[dest_[i].source];
    const Tensor& dst = dest_model_.tensors[i];
    for (int32_t part = 0; part < p.parts; ++part) {
      Slice s;
      s.tensor = i;
      s.part = part;
      s.rows = {0, dst.rows};
      s.cols = {0, dst.cols};
      Range r = p.part_range(part, p.extent(src));
      if (dest_[i].conversion == Conversion::fp8_scale) r = {r.lo / kFp8Block, (r.hi + kFp8Block - 1) / kFp8Block};
      const int64_t per_col = mxfp4_cols_per_dest_col(dest_[i].conversion);
      if (per_col > 1 && p.dim == Split::cols) {
        // MXFP4 blocks run along rows: a column cut must fall between blocks.
        if (r.lo % kMxfp4Block != 0 || (r.hi % kMxfp4Block != 0 && r.hi != src.cols))
          throw_usage("inference layout '" + inference_layout_.to_string() + "' cuts " + src.name + " at column " +
                      std::to_string(r.lo % kMxfp4Block != 0 ? r.lo : r.hi) +
                      ", inside a 32-value MXFP4 block: use a tp that keeps its columns per rank a multiple of 32");
        r = {r.lo / per_col, r.hi / per_col};
      }
      (p.dim == Split::cols ? s.cols : s.rows) = r;
      s.bytes = static_cast<uint64_t>(s.rows.size()) * static_cast<uint64_t>(s.cols.size()) * dtype_size(dst.dtype);
      slices_.push_back(s);
    }
  }
  first_slice_[dest_.size()] = static_cast<uint32_t>(slices_.size());
}

uint32_t Plan::copies(const Slice& s) const {
  return static_cast<uint32_t>(inference_layout_.replicas * dest_placement(s.tensor).copies);
}

int32_t Plan::dest_rank(const Slice& s, uint32_t copy) const {
  const Placement& p = dest_placement(s.tensor);
  const auto per_replica = static_cast<uint32_t>(p.copies);
  const auto replica = static_cast<int32_t>(copy / per_replica);
  return replica * inference_layout_.tp + p.rank(static_cast<int32_t>(copy % per_replica), s.part);
}

void Plan::layout_receivers() {
  const int32_t tp = inference_layout_.tp;
  local_offset_.assign(dest_.size() * static_cast<size_t>(tp), std::numeric_limits<uint64_t>::max());
  local_bytes_.assign(static_cast<size_t>(tp), 0);
  for (uint32_t i : memory_order_) {
    const Placement& p = dest_placement(i);
    for (int32_t part = 0; part < p.parts; ++part) {
      const Slice& s = slices_[first_slice_[i] + static_cast<uint32_t>(part)];
      for (int32_t c = 0; c < p.copies; ++c) {
        const int32_t pos = p.rank(c, part);
        local_offset_[size_t{i} * static_cast<size_t>(tp) + static_cast<size_t>(pos)] = local_bytes_[static_cast<size_t>(pos)];
        local_bytes_[static_cast<size_t>(pos)] += s.bytes;
      }
    }
  }
}

uint64_t Plan::local_offset(uint32_t dest_tensor, int32_t rank) const {
  return local_offset_[size_t{dest_tensor} * static_cast<size_t>(inference_layout_.tp) + static_cast<size_t>(position(rank))];
}

std::vector<uint32_t> Plan::slices_of(int32_t rank) const {
  std::vector<uint32_t> out;
  const int32_t pos = position(rank);
  for (uint32_t i : memory_order_) {
    const Placement& p = dest_placement(i);
    for (int32_t part = 0; part < p.parts; ++part)
      for (int32_t c = 0; c < p.copies; ++c)
        if (p.rank(c, part) == pos) out.push_back(first_slice_[i] + static_cast<uint32_t>(part));
  }
  return out;
}

void Plan::source_box(const Slice& s, Range dest_rows, Range& src_rows, Range& src_cols) const {
  const Tensor& src = trainer_model_.tensors[dest_[s.tensor].source];
  switch (dest_[s.tensor].conversion) {
    case Conversion::copy:
      src_rows = dest_rows;
      src_cols = s.cols;
      return;
    case Conversion::quantize_fp8:
      src_rows = {dest_rows.lo / kFp8Block * kFp8Block,
                  std::min(src.rows, (dest_rows.hi + kFp8Block - 1) / kFp8Block * kFp8Block)};
      src_cols = {s.cols.lo / kFp8Block * kFp8Block, std::min(src.cols, (s.cols.hi + kFp8Block - 1) / kFp8Block * kFp8Block)};
      return;
    case Conversion::fp8_scale:
      src_rows = {dest_rows.lo * kFp8Block, std::min(src.rows, dest_rows.hi * kFp8Block)};
      src_cols = {s.cols.lo * kFp8Block, std::min(src.cols, s.cols.hi * kFp8Block)};
      return;
    case Conversion::quantize_mxfp4:
    case Conversion::mxfp4_scale: {
      const int64_t per_col = mxfp4_cols_per_dest_col(dest_[s.tensor].conversion);
      src_rows = dest_rows;
      src_cols = {s.cols.lo * per_col, s.cols.hi * per_col};
      return;
    }
  }
}

std::vector<GatherInput> Plan::holders(uint32_t trainer_tensor, Range rows, Range cols, int32_t copy) const {
  const Placement& p = trainer_placement_[trainer_tensor];
  const size_t elem = dtype_size(trainer_model_.tensors[trainer_tensor].dtype);
  std::vector<GatherInput> out;
  for_each_holder(trainer_tensor, p.dim == Split::cols ? cols : rows, copy, [&](int32_t rank, Range cut) {
    GatherInput in;
    in.rank = rank;
    in.rows = p.dim == Split::cols ? rows : cut;
    in.cols = p.dim == Split::cols ? cut : cols;
    in.bytes = static_cast<uint64_t>(in.rows.size()) * static_cast<uint64_t>(in.cols.size()) * elem;
    out.push_back(in);
  });
  return out;
}

std::vector<GatherInput> Plan::gather_inputs(const Segment& seg, int32_t owner) const {
  const Slice& s = slices_[seg.slice];
  const uint32_t tensor = dest_[s.tensor].source;
  const Placement& p = trainer_placement_[tensor];
  Range rows, cols;
  source_box(s, seg.rows, rows, cols);
  // The owner gathers from the other ranks of its own copy.
  std::vector<GatherInput> out;
  for (const auto& in : holders(tensor, rows, cols, p.copy_of(owner)))
    if (in.rank != owner) out.push_back(in);
  return out;
}

}  // namespace wxfer
