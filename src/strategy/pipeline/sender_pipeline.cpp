#include "strategy/pipeline/sender_pipeline.hpp"
#include "record/stages.hpp"

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

bool all_done(std::span<Request> requests) {
  bool done = true;
  for (auto& r : requests) done = r.done() && done;  // tests every one: progress for all
  return done;
}

}  // namespace

void SenderPipeline::run(const Send& send, const Deadline& deadline) {
  WXFER_ASSERT(largest_ <= arena_.capacity());  // the strategy rejects a smaller bound at set-up
  constexpr auto kPoll = std::chrono::microseconds(200);
  // Chunks with temporary memory (gathers, stage-in, quantization) go through the arena and
  // the prepare thread, in order. The others are sent straight from trainer memory and need
  // no preparation: the main thread sends them whenever the next prepared chunk is not ready,
  // so that both threads work from the start of the step.
  std::vector<size_t> prepared, direct;
  for (size_t k = 0; k < chunks_.size(); ++k) (chunks_[k].bytes > 0 ? prepared : direct).push_back(k);
  // The prepare thread's groups: one per chunk, numbered anew each step, in send order.
  const uint64_t first_group = runs_++ * chunks_.size();
  auto group = [&](size_t j) { return first_group + j; };
  std::vector<uint8_t*> bases(chunks_.size());
  receives_.resize(chunks_.size());
  received_from_.resize(chunks_.size());
  handed_over_.resize(chunks_.size());
  std::vector<size_t> waiting(chunks_.size(), 0);          // segments not yet handed to the prepare thread
  size_t started = 0, next_prepared = 0, next_direct = 0;  // indices into prepared / direct
  bool contributed = false;
  source_.start_step();

  // Each segment goes to the prepare thread as soon as its own pieces are in (at once when it
  // gathers nothing), so that it starts with the step instead of waiting for a whole chunk's
  // receives.
  auto hand_over = [&](size_t j, bool test) {
    const ChunkTmp& c = chunks_[j];
    for (size_t i = 0; i < c.segments.size(); ++i) {
      if (handed_over_[j][i]) continue;
      const std::span<Request> pieces(receives_[j].data() + received_from_[j][i],
                                      received_from_[j][i + 1] - received_from_[j][i]);
      if (!pieces.empty() && !(test && all_done(pieces))) continue;
      uint8_t* tmp = bases[j] + c.offsets[i];
      const uint32_t segment = c.segments[i];
      const auto chunk = static_cast<int32_t>(j);
      worker_.submit(group(j), [this, segment, tmp, chunk, i] {
        results_[static_cast<size_t>(chunk)][i] = source_.prepare(segment, tmp, chunk);
      });
      handed_over_[j][i] = 1;
      --waiting[j];
    }
  };
  // Segments without pieces to wait for first: testing a receive can take milliseconds (MPI
  // moves large messages inside the receiver's calls), and the prepare thread should not
  // wait for that. Testing the receives is also what moves MPI's progress along.
  auto hand_over_ready = [&](size_t from) {
    source_.progress_contributions();
    for (size_t i = from; i < started; ++i)
      if (waiting[prepared[i]] > 0) hand_over(prepared[i], false);
    for (size_t i = from; i < started; ++i)
      if (waiting[prepared[i]] > 0) hand_over(prepared[i], true);
  };
  auto prepared_now = [&](size_t j) {
    return waiting[j] == 0 &&
           worker_.wait_for(group(j), static_cast<uint32_t>(chunks_[j].segments.size()), std::chrono::microseconds(0));
  };
  auto send_direct = [&] {
    const size_t k = direct[next_direct++];
    const ChunkTmp& c = chunks_[k];
    results_[k].assign(c.segments.size(), SendBytes{});
    for (size_t i = 0; i < c.segments.size(); ++i)
      results_[k][i] = source_.prepare(c.segments[i], nullptr, static_cast<int32_t>(k));
    send(k, results_[k]);
  };

  while (next_prepared < prepared.size() || next_direct < direct.size()) {
    // Start every prepared chunk whose buffers fit now (the next one always does: the chunks
    // before it are done): its gathers' receives are posted, the data arrives meanwhile.
    for (; started < prepared.size(); ++started) {
      const size_t j = prepared[started];
      const ChunkTmp& c = chunks_[j];
      const auto at = arena_.allocate(c.bytes);
      if (!at) break;
      bases[j] = memory_.data() + *at;
      receives_[j].clear();
      received_from_[j].assign(1, 0);
      for (size_t i = 0; i < c.segments.size(); ++i) {
        source_.post_gather(c.segments[i], bases[j] + c.offsets[i], receives_[j]);
        received_from_[j].push_back(receives_[j].size());
      }
      results_[j].assign(c.segments.size(), SendBytes{});
      handed_over_[j].assign(c.segments.size(), 0);
      waiting[j] = c.segments.size();
    }
    if (!contributed) {
      // This rank's pieces for its peers go out once its own first receives are posted and the
      // prepare thread has the segments that wait for nothing: it works while they are packed.
      for (size_t i = 0; i < started; ++i) hand_over(prepared[i], false);
      source_.post_contributions();
      contributed = true;
    }
    hand_over_ready(next_prepared);
    if (next_prepared == prepared.size()) {
      send_direct();
      continue;
    }
    const size_t k = prepared[next_prepared];
    WXFER_ASSERT(started > next_prepared);
    if (!prepared_now(k) && next_direct < direct.size()) {
      send_direct();
      continue;
    }
    if (waiting[k] > 0) {  // nothing else to send: chunk k still waits for a peer's piece
      const double t0 = recorder_.now();
      wait_all(receives_[k], deadline);
      recorder_.record(stage::gather, static_cast<int32_t>(k), -1, 0, t0, recorder_.now());
      hand_over(k, true);
    }
    // While chunk k is prepared, keep handing over the pieces that arrive for later chunks,
    // and prepare segments here too rather than wait for the prepare thread to get a core.
    const auto segments = static_cast<uint32_t>(chunks_[k].segments.size());
    while (!worker_.wait_for(group(k), segments, std::chrono::microseconds(0))) {
      if (deadline.expired()) throw_timeout("the prepare thread (chunk " + std::to_string(k) + ")", deadline);
      hand_over_ready(next_prepared + 1);
      if (!worker_.run_one()) worker_.wait_for(group(k), segments, kPoll);
    }
    worker_.forget(group(k));
    send(k, results_[k]);
    arena_.release_oldest();
    ++next_prepared;
  }
  if (!contributed) source_.post_contributions();  // nothing to send: still the peers' pieces
}

}  // namespace wxfer
