// Choosing senders (balancing the busiest one), pipeline order, and the plan's statistics.
#include <algorithm>
#include <numeric>

#include "common/error.hpp"
#include "plan/plan.hpp"

namespace wxfer {

void Plan::choose_sources() {
  uint64_t total_copies = 0;
  for (auto& seg : segments_) {
    seg.first_source = static_cast<uint32_t>(total_copies);
    total_copies += copies(slices_[seg.slice]);
  }
  WXFER_ASSERT(total_copies < UINT32_MAX);
  sources_.assign(total_copies, -1);

  // Longest-processing-time first: the biggest sends go to the least loaded holder,
  // which keeps the busiest sender's bytes close to the best possible.
  std::vector<uint32_t> order(segments_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::vector<uint64_t> weight(segments_.size());
  for (size_t i = 0; i < segments_.size(); ++i) weight[i] = segments_[i].bytes * copies(slices_[segments_[i].slice]);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return weight[a] > weight[b]; });

  std::vector<uint64_t> load(static_cast<size_t>(trainer_ranks()), 0);
  auto least_loaded = [&](int32_t best, int32_t candidate) {
    const auto lb = load[static_cast<size_t>(best)], lc = load[static_cast<size_t>(candidate)];
    return lc < lb || (lc == lb && candidate < best) ? candidate : best;
  };
  for (uint32_t i : order) {
    Segment& seg = segments_[i];
    const Slice& s = slices_[seg.slice];
    const uint32_t n = copies(s);
    const uint32_t tensor = dest_[s.tensor].source;
    const Placement& p = trainer_placement_[tensor];
    if (seg.gather) {
      // One owner gathers once and sends to every destination copy.
      Range rows, cols;
      source_box(s, seg.rows, rows, cols);
      int32_t owner = -1;
      const Range along = p.dim == Split::cols ? cols : rows;
      for (int32_t c = 0; c < p.copies; ++c)
        for_each_holder(tensor, along, c, [&](int32_t rank, Range) { owner = owner < 0 ? rank : least_loaded(owner, rank); });
      WXFER_ASSERT(owner >= 0);
      load[static_cast<size_t>(owner)] += seg.bytes * n;
      std::fill_n(sources_.begin() + seg.first_source, n, owner);
      continue;
    }
    for (uint32_t k = 0; k < n; ++k) {
      int32_t best = p.rank(0, seg.part);
      for (int32_t c = 1; c < p.copies; ++c) best = least_loaded(best, p.rank(c, seg.part));
      load[static_cast<size_t>(best)] += seg.bytes;
      sources_[seg.first_source + k] = best;
    }
  }
}

void Plan::order_transfers() {
  const auto ranks = static_cast<size_t>(trainer_ranks());
  std::vector<int64_t> count(ranks + 1, 0);
  for (const int32_t src : sources_) ++count[static_cast<size_t>(src) + 1];
  std::partial_sum(count.begin(), count.end(), count.begin());
  transfer_begin_ = count;
  transfers_.resize(sources_.size());
  for (uint32_t i = 0; i < segments_.size(); ++i) {
    const Segment& seg = segments_[i];
    const uint32_t n = copies(slices_[seg.slice]);
    for (uint32_t k = 0; k < n; ++k) {
      const auto src = static_cast<size_t>(sources_[seg.first_source + k]);
      transfers_[static_cast<size_t>(count[src]++)] = {i, k};
    }
  }
}

std::vector<Chunk> Plan::chunks_of(int32_t trainer_rank) const {
  std::vector<Chunk> out;
  const Range r = transfers_of(trainer_rank);
  Chunk cur{static_cast<uint32_t>(r.lo), static_cast<uint32_t>(r.lo), 0};
  for (int64_t i = r.lo; i < r.hi; ++i) {
    const uint32_t seg = transfers_[static_cast<size_t>(i)].segment;
    const uint64_t b = segments_[seg].bytes;
    // Cut only between segments: a sender prepares a segment once for all its copies.
    const bool new_segment = i == r.lo || transfers_[static_cast<size_t>(i - 1)].segment != seg;
    if (cur.end > cur.begin && new_segment && cur.bytes + b > options_.chunk_bytes) {
      out.push_back(cur);
      cur = {static_cast<uint32_t>(i), static_cast<uint32_t>(i), 0};
    }
    cur.end = static_cast<uint32_t>(i + 1);
    cur.bytes += b;
  }
  if (cur.end > cur.begin) out.push_back(cur);
  return out;
}

void Plan::compute_stats() {
  PlanStats& st = stats_;
  st.bytes_out.assign(static_cast<size_t>(trainer_ranks()), 0);
  st.gather_bytes_in.assign(static_cast<size_t>(trainer_ranks()), 0);
  st.bytes_in.assign(static_cast<size_t>(inference_ranks()), 0);
  for (int32_t r = 0; r < inference_ranks(); ++r) st.bytes_in[static_cast<size_t>(r)] = local_bytes(r);
  for (const auto& seg : segments_) {
    const uint32_t n = copies(slices_[seg.slice]);
    for (uint32_t k = 0; k < n; ++k) st.bytes_out[static_cast<size_t>(source_rank(seg, k))] += seg.bytes;
    if (seg.gather) {
      // The owner receives the whole source box except the part it holds itself.
      ++st.gather_segments;
      const Slice& s = slices_[seg.slice];
      const uint32_t tensor = dest_[s.tensor].source;
      const Placement& p = trainer_placement_[tensor];
      const int32_t owner = source_rank(seg, 0);
      Range rows, cols;
      source_box(s, seg.rows, rows, cols);
      const Range along = p.dim == Split::cols ? cols : rows;
      const uint64_t across = static_cast<uint64_t>(p.dim == Split::cols ? rows.size() : cols.size()) *
                              dtype_size(trainer_model_.tensors[tensor].dtype);
      int64_t others = 0;
      for_each_holder(tensor, along, p.copy_of(owner), [&](int32_t rank, Range cut) {
        if (rank != owner) others += cut.size();
      });
      st.gather_bytes_in[static_cast<size_t>(owner)] += static_cast<uint64_t>(others) * across;
    }
  }
  st.total_bytes = std::accumulate(st.bytes_in.begin(), st.bytes_in.end(), uint64_t{0});
  st.max_bytes_out = *std::max_element(st.bytes_out.begin(), st.bytes_out.end());
  st.max_bytes_in = *std::max_element(st.bytes_in.begin(), st.bytes_in.end());
  st.max_gather_bytes_in = *std::max_element(st.gather_bytes_in.begin(), st.gather_bytes_in.end());
  st.segments = segments_.size();
  st.transfers = transfers_.size();
  st.lower_bound_seconds = static_cast<double>(std::max(st.max_bytes_out, st.max_bytes_in)) / options_.link_bandwidth;
}

}  // namespace wxfer
