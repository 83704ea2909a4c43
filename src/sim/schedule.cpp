#include "sim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "common/error.hpp"

namespace wxfer {
namespace {

// Sums per-peer bytes into a sorted list.
PeerBytes to_list(const std::map<int32_t, uint64_t>& m) { return {m.begin(), m.end()}; }

// Gather pieces from another node leave it through one NIC per (chunk, node): they are
// merged into one flow from one of that node's contributors, picked by the owner's rank so
// that different owners load different NICs; a 256-way FSDP gather becomes 31 flows, not
// 255. Pieces from the owner's own node stay per peer (NVLink).
PeerBytes merge_remote(const std::map<int32_t, uint64_t>& in, int32_t owner, int32_t gpus_per_node) {
  std::map<int32_t, std::vector<int32_t>> peers;  // node -> contributors
  std::map<int32_t, uint64_t> node_bytes, out;
  for (const auto& [peer, bytes] : in) {
    const int32_t node = peer / gpus_per_node;
    if (node == owner / gpus_per_node) {
      out[peer] += bytes;
      continue;
    }
    peers[node].push_back(peer);
    node_bytes[node] += bytes;
  }
  for (const auto& [node, list] : peers) out[list[static_cast<size_t>(owner) % list.size()]] += node_bytes[node];
  return to_list(out);
}

// Whether `owner` holds the segment's source box as one contiguous run of its memory (whole
// held rows, or one row), as TrainerShards::contiguous decides for `wxfer run`.
bool held_contiguous(const Plan& plan, const Segment& seg, int32_t owner) {
  const Slice& s = plan.slices()[seg.slice];
  const uint32_t tensor = plan.dest()[s.tensor].source;
  Range rows, cols;
  plan.source_box(s, seg.rows, rows, cols);
  if (rows.size() <= 1) return true;
  const Placement& p = plan.trainer_placement()[tensor];
  const auto& t = plan.trainer_model().tensors[tensor];
  Range held{0, t.cols};
  if (p.dim == Split::cols) held = p.part_range(p.part_of_rank(owner), p.extent(t));
  return cols.lo == held.lo && cols.hi == held.hi;
}

// Whether rdma's sender writes the segment straight from a strided held box (wxfer run on
// CPUs, weights not offloaded: SegmentSource's `strided` work, a column box of held rows of
// a copied tensor, put row by row).
bool written_strided(const Plan& plan, const Segment& seg, int32_t owner) {
  const Conversion conv = plan.dest()[plan.slices()[seg.slice].tensor].conversion;
  return conv == Conversion::copy && !seg.gather && !held_contiguous(plan, seg, owner);
}

// The conversion work of one segment on its sender, and (for gathers) what peers send it.
// in_place: senders read held bytes where they lie (wxfer run on CPUs, weights not
// offloaded): a contiguous run is sent as it is, quantization reads held boxes in place; no
// fusion pack. A strided box of a copied tensor is staged in one copy (broadcast, gather:
// packed into the bucket or round), or, with `strided_in_place` (rdma), written in place by
// the transfer (not a copy stage here).
void add_segment_work(const Plan& plan, const Segment& seg, int32_t owner, SimChunk& c, std::map<int32_t, uint64_t>& gather_in,
                      bool in_place = false, bool strided_in_place = false) {
  const uint64_t src = source_bytes(plan, seg);
  const Conversion conv = plan.dest()[plan.slices()[seg.slice].tensor].conversion;
  if (in_place) {
    if (seg.gather && src > 0) {
      for (const auto& in : plan.gather_inputs(seg, owner)) gather_in[in.rank] += in.bytes;
      c.gathered += src;
    } else if (conv == Conversion::copy && !held_contiguous(plan, seg, owner) && !strided_in_place) {
      c.stage_in += src;
    }
    if (quantizes(conv)) c.quantize += src;
    return;
  }
  uint64_t local = src;
  if (seg.gather && src > 0) {
    uint64_t from_peers = 0;
    for (const auto& in : plan.gather_inputs(seg, owner)) {
      gather_in[in.rank] += in.bytes;
      from_peers += in.bytes;
    }
    local = src > from_peers ? src - from_peers : 0;
    c.gathered += src;
  }
  c.stage_in += local;
  c.fuse += src;
  if (quantizes(conv)) c.quantize += src;
}

}  // namespace

uint64_t source_bytes(const Plan& plan, const Segment& seg) {
  const Slice& s = plan.slices()[seg.slice];
  if (is_scale(plan.dest()[s.tensor].conversion)) return 0;
  Range rows, cols;
  plan.source_box(s, seg.rows, rows, cols);
  return static_cast<uint64_t>(rows.size()) * static_cast<uint64_t>(cols.size()) * 2;
}

std::vector<int32_t> group_sizes(int32_t n, int32_t max_groups) {
  WXFER_ASSERT(max_groups > 0);
  // One group cannot start with a single chunk: it is everything at once.
  if (max_groups == 1 || n <= 1) return n > 0 ? std::vector<int32_t>{n} : std::vector<int32_t>{};
  std::vector<int32_t> sizes;
  for (double growth = 1.0;; growth += 0.05) {
    sizes.clear();
    double size = 1;
    for (int32_t done = 0; done < n;) {
      const auto s = std::min(n - done, static_cast<int32_t>(std::ceil(size - 1e-9)));
      sizes.push_back(s);
      done += s;
      size *= growth;
    }
    if (static_cast<int32_t>(sizes.size()) <= max_groups) return sizes;
  }
}

namespace {

// n plan chunks grouped into at most max_chunks sim chunks (group_sizes); `fill(c, k)` adds
// plan chunk k to sim chunk c, `finish(c)` closes c.
template <typename Fill, typename Finish>
std::vector<SimChunk> grouped(int32_t n, int32_t max_chunks, Fill fill, Finish finish) {
  std::vector<SimChunk> out;
  int32_t first = 0;
  for (const int32_t size : group_sizes(n, max_chunks)) {
    SimChunk c;
    c.first_plan_chunk = first;
    c.plan_chunks = size;
    first += size;
    for (int32_t k = c.first_plan_chunk; k < c.first_plan_chunk + c.plan_chunks; ++k) fill(c, k);
    finish(c);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::vector<std::vector<SimChunk>> rdma_schedule(const Plan& plan, int32_t max_chunks, int32_t gpus_per_node, bool in_place) {
  std::vector<std::vector<SimChunk>> out(static_cast<size_t>(plan.trainer_ranks()));
  for (int32_t r = 0; r < plan.trainer_ranks(); ++r) {
    const auto chunks = plan.chunks_of(r);
    const auto n = static_cast<int32_t>(chunks.size());
    int64_t last_segment = -1;  // a segment's copies are consecutive: convert it once
    bool strided = false;       // the current segment is written from a strided held box
    std::map<int32_t, uint64_t> gather_in, dests, strided_dests;
    auto fill = [&](SimChunk& c, int32_t k) {
      for (uint32_t t = chunks[static_cast<size_t>(k)].begin; t < chunks[static_cast<size_t>(k)].end; ++t) {
        const Transfer& tr = plan.transfers()[t];
        const Segment& seg = plan.segments()[tr.segment];
        if (static_cast<int64_t>(tr.segment) != last_segment) {
          last_segment = tr.segment;
          strided = in_place && written_strided(plan, seg, r);
          add_segment_work(plan, seg, r, c, gather_in, in_place, /*strided_in_place=*/true);
        }
        const int32_t dest = plan.dest_rank(plan.slices()[seg.slice], tr.copy);
        dests[dest] += seg.bytes;
        if (strided) strided_dests[dest] += seg.bytes;
        c.bytes += seg.bytes;
      }
    };
    auto finish = [&](SimChunk& c) {
      c.gather_in = merge_remote(gather_in, r, gpus_per_node);
      c.out = to_list(dests);
      c.strided_out = to_list(strided_dests);
      gather_in.clear();
      dests.clear();
      strided_dests.clear();
    };
    out[static_cast<size_t>(r)] = grouped(n, max_chunks, fill, finish);
  }
  return out;
}

StridedShare strided_share(const Plan& plan) {
  StridedShare out;
  for (int32_t r = 0; r < plan.trainer_ranks(); ++r) {
    int64_t last_segment = -1;
    bool strided = false;
    uint64_t row_bytes = 0;
    Range rows, cols;  // the current segment's source box
    for (const Chunk& ch : plan.chunks_of(r)) {
      // (tensor, first held row, rows) -> (boxes, bytes) of this chunk's strided boxes
      std::map<std::tuple<uint32_t, int64_t, int64_t>, std::pair<int, uint64_t>> groups;
      for (uint32_t t = ch.begin; t < ch.end; ++t) {
        const Transfer& tr = plan.transfers()[t];
        const Segment& seg = plan.segments()[tr.segment];
        out.total += seg.bytes;
        if (static_cast<int64_t>(tr.segment) != last_segment) {
          last_segment = tr.segment;
          strided = written_strided(plan, seg, r);
          plan.source_box(plan.slices()[seg.slice], seg.rows, rows, cols);
          row_bytes = rows.size() > 0 ? seg.bytes / static_cast<uint64_t>(rows.size()) : 0;
        }
        if (!strided || row_bytes == 0) continue;
        out.bytes += seg.bytes;
        out.rows += seg.bytes / row_bytes;
        auto& [boxes, bytes] = groups[{plan.dest()[plan.slices()[seg.slice].tensor].source, rows.lo, rows.size()}];
        ++boxes;
        bytes += seg.bytes;
      }
      for (const auto& [key, g] : groups)
        if (g.first > 1) out.interleaved += g.second;
    }
  }
  return out;
}

std::vector<SimBucket> broadcast_schedule(const Plan& whole, const std::vector<Bucket>& buckets, int32_t gpus_per_node) {
  std::vector<SimBucket> out;
  out.reserve(buckets.size());
  for (size_t b = 0; b < buckets.size(); ++b) {
    SimBucket sb;
    sb.owner = buckets[b].owner;
    sb.work.first_plan_chunk = static_cast<int32_t>(b);
    sb.work.plan_chunks = 1;
    std::map<int32_t, uint64_t> gather_in;
    for (uint32_t s : buckets[b].segments) {
      const Segment& seg = whole.segments()[s];
      add_segment_work(whole, seg, sb.owner, sb.work, gather_in);
      sb.work.bytes += seg.bytes;
    }
    sb.work.gather_in = merge_remote(gather_in, sb.owner, gpus_per_node);
    out.push_back(std::move(sb));
  }
  return out;
}

std::vector<SimChunk> gather_schedule(const Plan& whole, uint64_t chunk_bytes, int32_t max_chunks, int32_t gpus_per_node) {
  // Plan chunks of rank 0's stream: segments in model order, cut at chunk_bytes.
  std::vector<std::pair<uint32_t, uint32_t>> cuts;  // segment ranges
  uint64_t acc = 0;
  const auto nseg = static_cast<uint32_t>(whole.segments().size());
  uint32_t begin = 0;
  for (uint32_t s = 0; s < nseg; ++s) {
    const uint64_t b = whole.segments()[s].bytes;
    if (s > begin && acc + b > chunk_bytes) {
      cuts.emplace_back(begin, s);
      begin = s;
      acc = 0;
    }
    acc += b;
  }
  if (nseg > begin) cuts.emplace_back(begin, nseg);
  std::map<int32_t, uint64_t> in;
  auto fill = [&](SimChunk& c, int32_t k) {
    for (uint32_t s = cuts[static_cast<size_t>(k)].first; s < cuts[static_cast<size_t>(k)].second; ++s) {
      const Segment& seg = whole.segments()[s];
      const int32_t owner = whole.source_rank(seg, 0);
      SimChunk work;
      std::map<int32_t, uint64_t> peers;
      add_segment_work(whole, seg, owner, work, peers);
      // Every piece goes to rank 0: the owner's part and each peer's part.
      in[owner] += work.stage_in;
      for (const auto& [peer, bytes] : peers) in[peer] += bytes;
      c.fuse += work.fuse;
      c.quantize += work.quantize;
      c.bytes += seg.bytes;
    }
  };
  auto finish = [&](SimChunk& c) {
    c.stage_in = in.count(0) ? in[0] : 0;
    in.erase(0);
    c.gather_in = merge_remote(in, 0, gpus_per_node);
    in.clear();
    // The pieces land in place in the round's buffer (wxfer run posts each receive at its
    // tensor's offset): nothing is assembled after they arrive.
    c.gathered = 0;
  };
  return grouped(static_cast<int32_t>(cuts.size()), max_chunks, fill, finish);
}

DeltaCost delta_cost(double density, uint32_t elem_bytes) {
  DeltaCost c;
  const double d = std::clamp(density, 0.0, 1.0), e = elem_bytes;
  const double index = (d * (2 + e) + 4.0 / 65536) / e, bitmap = (1.0 / 8 + d * e) / e;
  c.wire = std::min({index, bitmap, 1.0});
  c.touched = c.wire >= 1 ? 1 : 1 - std::pow(1 - d, 32 / e);
  c.mask = c.wire >= 1 ? 0 : 1 / (8 * e);
  return c;
}

void make_delta(std::vector<std::vector<SimChunk>>& chunks, const DeltaCost& cost) {
  const auto scaled = [&](uint64_t bytes) { return static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) * cost.wire)); };
  for (auto& mine : chunks)
    for (SimChunk& ch : mine) {
      uint64_t raw = 0;
      for (auto& [rank, bytes] : ch.out) {
        raw += bytes;
        bytes = scaled(bytes);
      }
      for (auto& [rank, bytes] : ch.strided_out) bytes = scaled(bytes);
      ch.bytes = scaled(ch.bytes);
      ch.encode = cost.wire >= 1 ? 0 : static_cast<uint64_t>(static_cast<double>(raw) * cost.encode_read());
    }
}

}  // namespace wxfer
