// Schedules derived from the plan for the strategies that ship whole tensors
// (gather, broadcast); the rdma strategy uses the plan's transfers and chunks directly.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan.hpp"

namespace wxfer {

// The same model, trainer layout and options, delivered to one receiver that holds the
// whole destination model: its segments are full-width row ranges of whole tensors, each
// with a balanced owner (gathering first where no single rank holds it).
Plan whole_model_plan(const Plan& plan);

// A checkpoint-engine bucket: consecutive segments of one owner, at most bucket_bytes
// (a single larger segment gets a bucket of its own).
struct Bucket {
  int32_t owner = 0;
  std::vector<uint32_t> segments;  // into whole.segments()
  uint64_t bytes = 0;
};

// Buckets in broadcast order: owners take turns, so every trainer's NIC works.
std::vector<Bucket> pack_buckets(const Plan& whole, uint64_t bucket_bytes);

// A single-rank gather's unit: whole tensors in order, grouped so that a round stays under
// the chunk size (a larger tensor gets a round of its own).
struct GatherRound {
  std::vector<uint32_t> tensors;
  std::vector<uint64_t> tensor_offset;  // in the round's buffer
  uint64_t bytes = 0;
};
std::vector<GatherRound> gather_rounds(const Plan& whole, uint64_t chunk_bytes);

// Per destination tensor of `whole`, its segments (indices into whole.segments()).
std::vector<std::vector<uint32_t>> segments_by_tensor(const Plan& whole);

}  // namespace wxfer
