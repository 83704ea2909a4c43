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

SenderPipeline::SenderPipeline(SegmentSource& source, std::vector<std::vector<uint32_t>> chunk_segments,
                               uint64_t max_tmp_bytes)
    : source_(source), arena_(0) {
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

void SenderPipeline::run(const Send& send, const Deadline& deadline) {
  WXFER_ASSERT(largest_ <= arena_.capacity());  // the strategy rejects a smaller bound at set-up
  std::vector<uint64_t> tickets(chunks_.size());
  size_t started = 0;
  for (size_t k = 0; k < chunks_.size(); ++k) {
    // Start every chunk whose buffers fit now: chunk k always does, its predecessors are done.
    for (; started < chunks_.size(); ++started) {
      const ChunkTmp& c = chunks_[started];
      const auto at = arena_.allocate(c.bytes);
      if (!at) break;
      uint8_t* base = memory_.data() + *at;
      const auto chunk = static_cast<int32_t>(started);
      for (size_t i = 0; i < c.segments.size(); ++i) source_.gather(c.segments[i], base + c.offsets[i], chunk, deadline);
      results_[started].assign(c.segments.size(), nullptr);
      tickets[started] = worker_.submit([this, &c, base, chunk] {
        auto& out = results_[static_cast<size_t>(chunk)];
        for (size_t i = 0; i < c.segments.size(); ++i) out[i] = source_.prepare(c.segments[i], base + c.offsets[i], chunk);
      });
    }
    WXFER_ASSERT(started > k);
    worker_.wait(tickets[k]);
    send(k, results_[k]);
    arena_.release_oldest();
  }
}

}  // namespace wxfer
