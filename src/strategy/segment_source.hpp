// Turns a plan segment into the bytes that land: straight from the trainer's memory when
// they are contiguous there, staged in when strided, gathered from peers when no single rank
// holds them, and quantized to fp8 (or reduced to its block scales) when the inference side
// stores the FP8 checkpoint layout. Shared by every strategy.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "harness/recorder.hpp"
#include "harness/roles.hpp"
#include "harness/trainer_shards.hpp"
#include "plan/plan.hpp"
#include "strategy/scale_memo.hpp"
#include "transport/transport.hpp"

namespace wxfer {

// What to send for a segment: `rows` runs of `row_bytes`, `stride` bytes apart, that land
// back to back (one run when contiguous).
struct SendBytes {
  const uint8_t* data = nullptr;
  uint64_t rows = 1, row_bytes = 0, stride = 0;
  bool contiguous() const { return rows <= 1 || stride == row_bytes; }
  uint64_t bytes() const { return rows * row_bytes; }
};

class SegmentSource {
 public:
  // offloaded: the trainer's memory is an offload buffer (CPU offload; on a GPU, host memory):
  // every box is first copied out of it (stage-in) instead of being read or sent in place.
  // send_strided: the caller sends strided boxes as they are (Window::put_strided), so a
  // column box of a held part is not staged (prepare() only; materialize() always packs).
  SegmentSource(const Plan& plan, const TrainerShards& shards, Transport& transport, const RankLayout& ranks,
                int32_t trainer_rank, Recorder& recorder, bool offloaded = false, bool send_strided = false);

  // A new step: the weights changed (scales computed before are stale). Before any prepare().
  void start_step();
  // Starts sending this rank's pieces of other owners' gathered segments, for one step,
  // in segment order (the order in which owners receive them).
  void post_contributions();
  // Tests those sends without waiting. A send MPI could not hand over at once (its peer's
  // shared-memory queue full) moves only inside this rank's MPI calls: a rank that has no
  // receive of its own to test must call this while it works, or its peers wait for its
  // pieces until it is done.
  void progress_contributions();
  // Waits for those sends (end of step).
  void finish_contributions(const Deadline& deadline);

  // Preparing a segment in two halves, for a pipeline whose helper thread must not call
  // MPI. `tmp` holds tmp_bytes(segment) bytes (0: the bytes are sent from trainer memory).
  // post_gather(): posts the receives of the full-tensor gather from peers (MPI, returns at
  // once; none for held segments). Once they are complete, prepare(): the local work (our own
  // piece and the interleaving of column pieces of a gather, stage-in copy, fp8
  // quantization), no MPI; returns the bytes to send (seg.bytes), in `tmp` or in trainer memory.
  uint64_t tmp_bytes(uint32_t segment) const;
  void post_gather(uint32_t segment, uint8_t* tmp, std::vector<Request>& receives);
  SendBytes prepare(uint32_t segment, uint8_t* tmp, int32_t chunk);

  // Both halves on the calling thread. The result is `staging` (seg.bytes) unless the bytes
  // are sent from trainer memory; scratch beyond the output is this object's own.
  const uint8_t* materialize(uint32_t segment, uint8_t* staging, int32_t chunk, const Deadline& deadline);

  // Where the segment's bytes already lie, as they land, in trainer memory (nothing to
  // gather, convert or stage in); nullptr when they must be prepared.
  const uint8_t* in_place(uint32_t segment) const;

  // The trainer box whose elements a segment's bytes are, one for one in row-major order, when
  // they are this rank's own held elements unconverted (no gather, no fp8): a change mask of
  // the trainer's memory then says which of them changed. nullopt otherwise.
  struct Box {
    uint32_t tensor = 0;
    Range rows, cols;
  };
  std::optional<Box> held_box(uint32_t segment) const;

  // Largest staging a single segment can need.
  static uint64_t staging_bytes(const Plan& plan, int32_t trainer_rank);

  static constexpr int kGatherTag = 4101;

 private:
  struct Contribution {
    uint32_t segment;
    int32_t owner;
    Range rows, cols;
  };
  // Where a segment's work goes: the output, then scratch (offsets below are into the
  // scratch), each part 64-byte aligned.
  struct Work {
    uint32_t tensor = 0;  // trainer tensor
    Conversion conversion = Conversion::copy;
    Range rows, cols;  // the trainer box it is computed from
    bool gather = false;
    bool staged = false;                   // a converted box copied out of trainer memory first (offloaded)
    bool direct = false;                   // sent from trainer memory (copy of a contiguous held run)
    bool strided = false;                  // sent from trainer memory row by row (copy of a held column box)
    bool fp8_in_place = false;             // the quantized box is exactly the segment: no extraction
    uint64_t out = 0;                      // output bytes
    uint64_t box_at = 0, box = 0;          // gathered bf16 box (converted segments)
    uint64_t scatter_at = 0, scatter = 0;  // column pieces of a gather, before interleaving
    uint64_t fp8_at = 0, fp8 = 0;          // quantized box, when only part of it is sent
    uint64_t scales_at = 0, scales = 0;    // the box's block scales (weight segments)
    uint64_t scratch_bytes = 0;
    uint64_t total = 0;  // output (aligned) + scratch
  };
  Work work_of(uint32_t segment) const;
  // The gathered box: where it is assembled, and its pieces with their place in the scatter area.
  uint8_t* box_of(const Work& w, uint8_t* out, uint8_t* scratch) const;
  void post_gather_into(const Work& w, uint8_t* out, uint8_t* scratch, std::vector<Request>& receives);
  void assemble_gather(const Work& w, uint8_t* out, uint8_t* scratch, int32_t chunk);
  SendBytes prepare_into(uint32_t segment, const Work& w, uint8_t* out, uint8_t* scratch, int32_t chunk);
  void quantize(uint32_t segment, const Work& w, uint8_t* out, uint8_t* scratch, int32_t chunk);
  bool memo_get(uint32_t tensor, int64_t row_block, int64_t col_block, int64_t rows, int64_t cols, uint8_t* out,
                uint64_t out_stride);

  const Plan& plan_;
  const TrainerShards& shards_;
  Transport& transport_;
  const RankLayout& ranks_;
  int32_t rank_;
  Recorder& recorder_;
  bool offloaded_;
  bool send_strided_;
  std::vector<Contribution> contributions_;
  std::vector<std::vector<uint8_t>> packed_;
  std::vector<Request> sends_;
  size_t sends_done_ = 0;         // sends_[0, sends_done_) have completed
  std::vector<uint8_t> scratch_;  // materialize(): the work beyond the output
  std::mutex scales_mutex_;       // prepare() runs on the prepare thread and the main thread
  ScaleMemo scales_;              // this step's weight scales, for the scale segments
};

}  // namespace wxfer
