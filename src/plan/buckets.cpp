#include "plan/buckets.hpp"

#include "common/error.hpp"

namespace wxfer {

Plan whole_model_plan(const Plan& plan) {
  InferenceLayout one;
  return Plan(plan.trainer_model(), plan.trainer_layout(), one, plan.options());
}

std::vector<Bucket> pack_buckets(const Plan& whole, uint64_t bucket_bytes) {
  if (bucket_bytes == 0) throw_usage("invalid bucket size 0: must be at least one byte");
  WXFER_ASSERT(whole.inference_ranks() == 1);
  std::vector<std::vector<Bucket>> per_owner(static_cast<size_t>(whole.trainer_ranks()));
  for (int32_t r = 0; r < whole.trainer_ranks(); ++r) {
    auto& mine = per_owner[static_cast<size_t>(r)];
    const Range range = whole.transfers_of(r);
    for (int64_t i = range.lo; i < range.hi; ++i) {
      const uint32_t seg = whole.transfers()[static_cast<size_t>(i)].segment;
      const uint64_t b = whole.segments()[seg].bytes;
      if (mine.empty() || (mine.back().bytes + b > bucket_bytes && !mine.back().segments.empty()))
        mine.push_back(Bucket{r, {}, 0});
      mine.back().segments.push_back(seg);
      mine.back().bytes += b;
    }
  }
  std::vector<Bucket> out;
  for (size_t round = 0;; ++round) {
    bool any = false;
    for (auto& mine : per_owner)
      if (round < mine.size()) {
        out.push_back(std::move(mine[round]));
        any = true;
      }
    if (!any) break;
  }
  return out;
}

std::vector<GatherRound> gather_rounds(const Plan& whole, uint64_t chunk_bytes) {
  std::vector<GatherRound> rounds;
  for (uint32_t t = 0; t < whole.dest().size(); ++t) {
    const uint64_t b = whole.dest_tensor(t).bytes();
    if (rounds.empty() || (rounds.back().bytes + b > chunk_bytes && !rounds.back().tensors.empty())) rounds.emplace_back();
    rounds.back().tensors.push_back(t);
    rounds.back().tensor_offset.push_back(rounds.back().bytes);
    rounds.back().bytes += b;
  }
  return rounds;
}

std::vector<std::vector<uint32_t>> segments_by_tensor(const Plan& whole) {
  std::vector<std::vector<uint32_t>> out(whole.dest().size());
  for (uint32_t i = 0; i < whole.segments().size(); ++i) out[whole.slices()[whole.segments()[i].slice].tensor].push_back(i);
  return out;
}

}  // namespace wxfer
