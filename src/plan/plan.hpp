// The static transfer plan: for a model and a pair of layouts, exactly which bytes each
// trainer rank delivers to which inference rank, in pipeline order. Built once at start-up;
// every strategy, the mpirun job and the simulator work from it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layout/placement.hpp"
#include "model/model.hpp"

namespace wxfer {

// How the bytes that land are derived from what the trainer holds (always bf16).
enum class Conversion : uint8_t {
  copy,            // same dtype and shape
  quantize_fp8,    // bf16 -> fp8 e4m3 in 128x128 blocks
  fp8_scale,       // the float32 weight_scale_inv of a quantized weight
  quantize_mxfp4,  // bf16 -> MXFP4 e2m1 codes, two a byte, in 32-value blocks along each row
  mxfp4_scale,     // the e8m0 scales of an MXFP4 weight, one byte per block
};

// A conversion that quantizes a weight, and one that yields a quantized weight's scales.
inline bool quantizes(Conversion c) { return c == Conversion::quantize_fp8 || c == Conversion::quantize_mxfp4; }
inline bool is_scale(Conversion c) { return c == Conversion::fp8_scale || c == Conversion::mxfp4_scale; }
inline bool is_mxfp4(Conversion c) { return c == Conversion::quantize_mxfp4 || c == Conversion::mxfp4_scale; }
// Source columns per destination column: MXFP4 packs two values a byte, and a scale covers 32.
inline int64_t mxfp4_cols_per_dest_col(Conversion c) {
  return c == Conversion::quantize_mxfp4 ? 2 : c == Conversion::mxfp4_scale ? 32 : 1;
}

// Below this a cut is gathered on one sender rather than written on its own. A gather costs
// every byte of the cut two or three more copies (pack, MPI, assembly); a write of its own
// costs about a microsecond of overhead (MPI_Put, an RDMA WRITE work request), the time of
// some KiB at memory or link speed; much larger thresholds make the gathers dominate.
inline constexpr const char* kDefaultMinSegment = "16KiB";

struct PlanOptions {
  DType inference_dtype = DType::bf16;    // bf16, fp8_e4m3 (the FP8 checkpoint layout) or mxfp4 (experts)
  uint64_t chunk_bytes = 64ull << 20;     // largest unit a pipeline streams
  uint64_t min_segment_bytes = 16 << 10;  // smaller cuts are gathered on one sender first (kDefaultMinSegment)
  double link_bandwidth = 50e9;           // bytes/s per rank (one 400 Gb/s NIC per GPU)
  // Lay out inference memory so that the pieces of each projection the engine fuses
  // (src/quant/fusion_table.cpp: qkv_proj, gate_up_proj, w13, ...) are adjacent, in fusion
  // order: the fused tensor is then one contiguous region, written in place (plan/fusion.cpp).
  bool fuse_projections = false;
};

// A fused engine tensor in one inference rank's memory: its pieces' slices back to back.
struct FusedTensor {
  std::string name;              // e.g. model.layers.0.self_attn.qkv_proj.weight
  std::vector<uint32_t> pieces;  // destination tensors, in fusion order
  uint64_t offset = 0, bytes = 0;
  int64_t rows = 0, cols = 0;  // this rank's shard (expert slabs flattened into rows)
  DType dtype = DType::bf16;
};

// A tensor as it lands on inference ranks.
struct DestTensor {
  uint32_t source = 0;  // index in the trainer inventory
  Conversion conversion = Conversion::copy;
};

// One part of one destination tensor; every copy listed by its placement (and every
// replica) holds the same box.
struct Slice {
  uint32_t tensor = 0;  // destination tensor
  int32_t part = 0;
  Range rows, cols;  // box in destination-tensor coordinates
  uint64_t bytes = 0;
};

// A run of whole rows of a slice, contiguous in the receiver's memory, sent by one trainer
// rank per destination copy. `gather`: no single rank holds the source rows, so the
// sender first gathers them from the other ranks of its copy (full-tensor gather).
struct Segment {
  uint32_t slice = 0;
  Range rows;           // destination rows
  uint64_t offset = 0;  // bytes from the start of the slice
  uint64_t bytes = 0;
  int32_t part = -1;  // trainer part that holds it (held segments)
  bool gather = false;
  uint32_t first_source = 0;  // into Plan::sources, one per destination copy
};

// One segment to one destination copy.
struct Transfer {
  uint32_t segment = 0;
  uint32_t copy = 0;
};

// Consecutive transfers of one trainer rank, at most chunk_bytes unless a single segment's
// copies are larger; all copies of a segment are in one chunk.
struct Chunk {
  uint32_t begin = 0, end = 0;  // into Plan::transfers
  uint64_t bytes = 0;
};

// A piece of a gather: `rank` sends the source box rows x cols of the segment's tensor.
struct GatherInput {
  int32_t rank = 0;
  Range rows, cols;
  uint64_t bytes = 0;
};

struct PlanStats {
  std::vector<uint64_t> bytes_out;        // per trainer rank, to inference ranks
  std::vector<uint64_t> bytes_in;         // per inference rank
  std::vector<uint64_t> gather_bytes_in;  // per trainer rank, from trainer peers
  uint64_t total_bytes = 0;               // landed on all inference ranks
  uint64_t max_bytes_out = 0, max_bytes_in = 0, max_gather_bytes_in = 0;
  uint64_t segments = 0, transfers = 0, gather_segments = 0;
  double lower_bound_seconds = 0;  // busiest link's bytes / link bandwidth
};

class Plan {
 public:
  Plan(Model trainer_model, TrainerLayout trainer, InferenceLayout inference, PlanOptions options);

  const Model& trainer_model() const { return trainer_model_; }
  const Model& dest_model() const { return dest_model_; }
  const TrainerLayout& trainer_layout() const { return trainer_layout_; }
  const InferenceLayout& inference_layout() const { return inference_layout_; }
  const PlanOptions& options() const { return options_; }
  int32_t trainer_ranks() const { return trainer_layout_.ranks(); }
  int32_t inference_ranks() const { return inference_layout_.ranks(); }

  const std::vector<DestTensor>& dest() const { return dest_; }
  const std::vector<Placement>& trainer_placement() const { return trainer_placement_; }
  const std::vector<Placement>& inference_placement() const { return inference_placement_; }
  const std::vector<Slice>& slices() const { return slices_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<int32_t>& sources() const { return sources_; }
  const PlanStats& stats() const { return stats_; }

  // Placement of a destination tensor (that of its source tensor).
  const Placement& dest_placement(uint32_t dest_tensor) const { return inference_placement_[dest_[dest_tensor].source]; }
  const Tensor& dest_tensor(uint32_t i) const { return dest_model_.tensors[i]; }
  // Destination copies of a slice: replicas x placement copies.
  uint32_t copies(const Slice& s) const;
  // Inference rank (0-based among inference ranks) of copy k of a slice.
  int32_t dest_rank(const Slice& s, uint32_t copy) const;
  // Trainer rank sending segment `seg` to copy k.
  int32_t source_rank(const Segment& seg, uint32_t copy) const { return sources_[seg.first_source + copy]; }

  // Receiver memory: each inference rank holds its slices back to back, in tensor order.
  // Offset of a slice in the memory of inference rank `rank`; UINT64_MAX if not held.
  uint64_t local_offset(uint32_t dest_tensor, int32_t rank) const;
  uint64_t local_bytes(int32_t rank) const { return local_bytes_[position(rank)]; }
  // Slices held by an inference rank, in memory order.
  std::vector<uint32_t> slices_of(int32_t rank) const;
  // With fuse_projections: the fused tensors an inference rank holds (plan/fusion.cpp).
  std::vector<FusedTensor> fused_tensors(int32_t rank) const;

  // The trainer rows x cols a destination row range of a slice is computed from.
  void source_box(const Slice& s, Range dest_rows, Range& src_rows, Range& src_cols) const;
  // What the sender of a gather segment receives from its peers before it can send.
  std::vector<GatherInput> gather_inputs(const Segment& seg, int32_t owner) const;
  // The trainer ranks that hold part of (or all of) a source box, and what each holds.
  std::vector<GatherInput> holders(uint32_t trainer_tensor, Range rows, Range cols, int32_t copy) const;
  // Calls fn(rank, cut) for every part of `copy` that holds some of `along` (the source
  // range along the placement's cut dimension); no allocation, for the hot paths.
  template <typename Fn>
  void for_each_holder(uint32_t trainer_tensor, Range along, int32_t copy, Fn&& fn) const {
    const Placement& p = trainer_placement_[trainer_tensor];
    const int64_t extent = p.extent(trainer_model_.tensors[trainer_tensor]);
    for (int32_t part = p.part_of(along.lo), last = p.part_of(along.hi - 1); part <= last; ++part) {
      const Range r = p.part_range(part, extent);
      const Range cut{std::max(r.lo, along.lo), std::min(r.hi, along.hi)};
      if (!cut.empty()) fn(p.rank(copy, part), cut);
    }
  }

  // Pipeline order for a trainer rank: its transfers, cut into chunks.
  std::vector<Chunk> chunks_of(int32_t trainer_rank) const;
  const std::vector<Transfer>& transfers() const { return transfers_; }
  Range transfers_of(int32_t trainer_rank) const { return {transfer_begin_[trainer_rank], transfer_begin_[trainer_rank + 1]}; }

 private:
  int32_t position(int32_t rank) const { return rank % inference_layout_.tp; }
  void build_dest();
  void build_segments();
  void choose_sources();
  void order_transfers();
  void layout_receivers();
  void group_fused_pieces();
  void compute_stats();

  Model trainer_model_;
  Model dest_model_;
  TrainerLayout trainer_layout_;
  InferenceLayout inference_layout_;
  PlanOptions options_;
  std::vector<Placement> trainer_placement_;
  std::vector<Placement> inference_placement_;
  std::vector<DestTensor> dest_;
  std::vector<Slice> slices_;
  std::vector<uint32_t> first_slice_;  // per dest tensor, into slices_ (parts are consecutive)
  std::vector<Segment> segments_;
  std::vector<int32_t> sources_;
  std::vector<Transfer> transfers_;
  std::vector<int64_t> transfer_begin_;
  std::vector<uint64_t> local_offset_;  // dest tensor x tp positions
  std::vector<uint64_t> local_bytes_;   // per position
  struct FusionGroup {
    std::string name;
    std::vector<uint32_t> pieces;
  };
  std::vector<FusionGroup> fusion_groups_;
  std::vector<uint32_t> memory_order_;  // destination tensors in receiver memory order
  PlanStats stats_;
};

}  // namespace wxfer
