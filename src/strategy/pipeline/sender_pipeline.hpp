// A trainer rank's chunks as a pipeline: gather receives posted (main thread: MPI, without
// waiting) -> prepare (assembling gathered pieces, stage-in, fp8 quantization, on the prepare
// thread, each segment once its own pieces are in) -> send (the strategy, main thread),
// with every chunk's temporary memory taken from one arena of bounded size: a chunk does not
// start while its buffers would not fit next to those of the chunks still in flight. Chunks
// sent straight from trainer memory skip the prepare thread: the main thread sends them
// while it would otherwise wait for the next prepared chunk.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "harness/recorder.hpp"
#include "strategy/pipeline/prepare_worker.hpp"
#include "strategy/pipeline/tmp_arena.hpp"
#include "strategy/segment_source.hpp"
#include "transport/memory.hpp"

namespace wxfer {

class SenderPipeline {
 public:
  // Segments of each chunk in send order. max_tmp_bytes 0: room for kAutoChunks chunks.
  SenderPipeline(SegmentSource& source, Recorder& recorder, std::vector<std::vector<uint32_t>> chunk_segments,
                 uint64_t max_tmp_bytes);

  static constexpr uint64_t kAutoChunks = 4;
  // Temporary bytes of the most demanding chunk: a bound below it cannot run.
  uint64_t largest_chunk_tmp() const { return largest_; }
  uint64_t capacity() const { return arena_.capacity(); }

  // bytes[i]: what to send for segment i of the chunk; valid until send returns.
  using Send = std::function<void(size_t chunk, const std::vector<SendBytes>& bytes)>;
  // One step: `send` runs once for each chunk, on this thread, once the chunk is prepared,
  // and must complete the chunk's transfers before it returns (its memory is then reused).
  // Prepared chunks go in order; chunks that need no preparation fill the waits between them.
  // Later chunks are gathered and prepared meanwhile, as far as the bound allows. Starts the
  // source's step and posts its contributions to the peers' gathers (the caller waits for
  // them with finish_contributions()).
  void run(const Send& send, const Deadline& deadline);

 private:
  struct ChunkTmp {
    std::vector<uint32_t> segments;
    std::vector<uint64_t> offsets;  // of each segment's tmp in the chunk's allocation
    uint64_t bytes = 0;
  };
  SegmentSource& source_;
  Recorder& recorder_;
  std::vector<ChunkTmp> chunks_;
  uint64_t largest_ = 0;
  TmpArena arena_;
  HostBuffer memory_;
  std::vector<std::vector<SendBytes>> results_;
  std::vector<std::vector<Request>> receives_;      // per chunk: its gathers' receives,
  std::vector<std::vector<size_t>> received_from_;  // segment i's from [i] to [i + 1]
  std::vector<std::vector<uint8_t>> handed_over_;   // per chunk and segment: to the prepare thread
  uint64_t runs_ = 0;
  PrepareWorker worker_;
};

}  // namespace wxfer
