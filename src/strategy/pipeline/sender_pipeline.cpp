#include "strategy/pipeline/sender_pipeline.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace wxfer {
namespace {

struct Sized {
  uint64_t largest = 0, total = 0;
};

uint64_t arena_bytes(uint64_t max_tmp_bytes, Sized s) {
  const uint64_t wanted = max_tmp_bytes > 0 ? max_tmp_bytes : SenderPipeline::kAutoChunks * s.largest;
  // Never more than every chunk at once would take (a ring may waste one allocation's worth).
  return std::max<uint64_t>(TmpArena::kAlign, std::min(wanted, s.total + s.largest));
}

}  // namespace

SenderPipeline::SenderPipeline(SegmentSource& source, Recorder& recorder, std::vector<std::vector<uint32_t>> chunk_segments,
                               uint64_t max_tmp_bytes)
    : source_(source), recorder_(recorder), arena_(0) {
  Sized sized;
  for (auto& segments : chunk_segments) {
    ChunkTmp c;
    for (uint32_t s : segments) {
      c.offsets.push_back(c.bytes);
      c.bytes += (source_.tmp_bytes(s) + TmpArena::kAlign - 1) / TmpArena::kAlign * TmpArena::kAlign;
    }
    c.segments = std::move(segments);
    sized.largest = std::max(sized.largest, c.bytes);
    sized.total += std::max(c.bytes, TmpArena::kAlign);
    chunks_.push_back(std::move(c));
  }
  largest_ = sized.largest;
  arena_ = TmpArena(arena_bytes(max_tmp_bytes, sized));
  memory_ = HostBuffer(arena_.capacity());
  results_.resize(chunks_.size());
}

namespace {

bool all_done(std::vector<Request>& requests) {
  bool done = true;
  for (auto& r : requests) done = r.done() && done;  // tests every one: progress for all
  return done;
}

}  // namespace

void SenderPipeline::run(const Send& send, const Deadline& deadline) {
  WXFER_ASSERT(largest_ <= arena_.capacity());  // the strategy rejects a smaller bound at set-up
  std::vector<uint64_t> tickets(chunks_.size());
  std::vector<uint8_t*> bases(chunks_.size());
  receives_.resize(chunks_.size());
  size_t started = 0, submitted = 0;
  for (size_t k = 0; k < chunks_.size(); ++k) {
    // Start every chunk whose buffers fit now (chunk k always does: its predecessors are
    // done): its gathers' receives are posted, the data arrives while we transfer.
    for (; started < chunks_.size(); ++started) {
      const ChunkTmp& c = chunks_[started];
      const auto at = arena_.allocate(c.bytes);
      if (!at) break;
      bases[started] = memory_.data() + *at;
      receives_[started].clear();
      for (size_t i = 0; i < c.segments.size(); ++i)
        source_.post_gather(c.segments[i], bases[started] + c.offsets[i], receives_[started]);
    }
    WXFER_ASSERT(started > k);
    // Hand chunks to the prepare thread in order, as soon as their pieces are in; wait only
    // for the one to be sent next.
    for (; submitted < started; ++submitted) {
      auto& receives = receives_[submitted];
      if (submitted > k && !all_done(receives)) break;
      if (!all_done(receives)) {
        const double t0 = recorder_.now();
        wait_all(receives, deadline);
        recorder_.record("gather", static_cast<int32_t>(submitted), -1, 0, t0, recorder_.now());
      }
      const ChunkTmp& c = chunks_[submitted];
      uint8_t* base = bases[submitted];
      const auto chunk = static_cast<int32_t>(submitted);
      results_[submitted].assign(c.segments.size(), SendBytes{});
      tickets[submitted] = worker_.submit([this, &c, base, chunk] {
        auto& out = results_[static_cast<size_t>(chunk)];
        for (size_t i = 0; i < c.segments.size(); ++i) out[i] = source_.prepare(c.segments[i], base + c.offsets[i], chunk);
      });
    }
    worker_.wait(tickets[k]);
    send(k, results_[k]);
    arena_.release_oldest();
  }
}

}  // namespace wxfer
