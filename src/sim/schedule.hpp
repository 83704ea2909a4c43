// What each strategy does, cut from the plan into the units the simulator replays.
// Plan chunks are merged (at most max_sim_chunks per rank, growing geometrically so the
// pipeline fills with one small chunk) and transfers are coalesced per (chunk, peer), so that
// full Kimi-K2 (18M transfers) becomes a few hundred thousand flows.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "plan/buckets.hpp"
#include "plan/plan.hpp"

namespace wxfer {

using PeerBytes = std::vector<std::pair<int32_t, uint64_t>>;  // (rank, bytes), rank ascending

// One pipeline step of one sender.
struct SimChunk {
  int32_t first_plan_chunk = 0;  // plan chunks [first, first + plan_chunks)
  int32_t plan_chunks = 0;
  uint64_t stage_in = 0;  // bf16 bytes copied host -> device (held locally)
  PeerBytes gather_in;    // bf16 bytes gathered from trainer peers
  uint64_t gathered = 0;  // bf16 bytes assembled from gathered pieces (gather stage)
  uint64_t fuse = 0;      // bf16 bytes packed into the send layout
  uint64_t quantize = 0;  // bf16 bytes quantized to fp8
  PeerBytes out;          // landed bytes per inference rank
  // Of `out`, the bytes written straight from strided held boxes (rdma with in_place: the
  // run puts a column box of held rows row by row, at the strided put rate; see
  // ClusterSpec::strided_write_efficiency). Ranks ascending, a subset of out's.
  PeerBytes strided_out;
  uint64_t bytes = 0;   // landed bytes in all
  uint64_t encode = 0;  // delta updates: bytes the encoder reads (change mask, changed sectors)
};

// rdma: per trainer rank, its chunks (plan.chunks_of) merged into at most max_chunks.
// Senders stage every held byte in and pack it (a GPU engine with offloaded weights), or,
// with in_place (ClusterSpec::send_in_place), copy only what `wxfer run` on CPUs copies:
// strided held boxes of copied tensors are then not staged but written in place
// (SimChunk::strided_out).
std::vector<std::vector<SimChunk>> rdma_schedule(const Plan& plan, int32_t max_chunks, int32_t gpus_per_node,
                                                 bool in_place = false);

// Sizes (in plan chunks) of at most max_groups groups covering n: 1, g, g^2, ... with the
// smallest growth g >= 1 that fits.
std::vector<int32_t> group_sizes(int32_t n, int32_t max_groups);

// broadcast: one SimChunk per bucket (owner's gather, stage-in and quantize; `bytes` is what
// is broadcast); `out` is empty (every inference rank receives the bucket).
struct SimBucket {
  int32_t owner = 0;
  SimChunk work;
};
std::vector<SimBucket> broadcast_schedule(const Plan& whole, const std::vector<Bucket>& buckets, int32_t gpus_per_node);

// gather: trainer rank 0's stream over the whole model, cut at chunk_bytes of landed bytes
// and merged into at most max_chunks; gather_in holds every rank's contribution (rank 0's
// own part is stage_in); `bytes` goes to every inference rank.
std::vector<SimChunk> gather_schedule(const Plan& whole, uint64_t chunk_bytes, int32_t max_chunks, int32_t gpus_per_node);

// rdma with in_place: the bytes all trainer ranks write straight from strided held boxes
// and their rows (one put per row in `wxfer run`); bytes / rows is the mean row a strided
// put moves (`wxfer calibrate` probes puts of that size).
struct StridedShare {
  uint64_t bytes = 0;
  uint64_t rows = 0;
  uint64_t total = 0;  // every landed byte of the update
  // Of `bytes`, those in boxes that share their held rows with another strided box of the
  // same chunk: `wxfer run` puts those row by row across the boxes (trainer memory read in
  // order); the others are one strided put each (a fraction of every row read).
  uint64_t interleaved = 0;
};
StridedShare strided_share(const Plan& plan);

// Sparse (delta) updates in the simulator (docs/sparse.md): with a fraction `density` of
// elements changed, uniformly spread, every write becomes a patch of the smaller encoding
// (a u16 index per change and a u32 count per 65,536 elements, or a bit per element, plus
// the values); the encoder reads the change mask and the 32-byte sectors that hold changed
// elements, and the receiver reads the patches and writes those sectors.
struct DeltaCost {
  double wire = 1;     // patch bytes per byte of the whole update
  double touched = 1;  // fraction of 32-byte sectors holding a changed element
  double mask = 0;     // change-mask bytes per byte
  double encode_read() const { return mask + touched; }
};
DeltaCost delta_cost(double density, uint32_t elem_bytes);
// The rdma schedule as a delta update: writes scaled to patches, encode bytes set.
void make_delta(std::vector<std::vector<SimChunk>>& chunks, const DeltaCost& cost);

// bf16 source bytes a segment is computed from (0 for fp8 scales: their weight has them).
uint64_t source_bytes(const Plan& plan, const Segment& seg);

}  // namespace wxfer
