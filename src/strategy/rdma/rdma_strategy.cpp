#include "strategy/rdma/rdma_strategy.hpp"
#include "record/stages.hpp"

#include <algorithm>
#include <span>
#include <tuple>

#include "common/error.hpp"
#include "common/units.hpp"
#include "strategy/delta_sender.hpp"
#include "strategy/pipeline/sender_pipeline.hpp"
#include "strategy/segment_source.hpp"

namespace wxfer {
namespace {

class RdmaStrategy final : public Strategy {
 public:
  ~RdmaStrategy() override {
    // A failed run skips close(): the weights must not point into a window about to go.
    if (adopted_ != nullptr) adopted_->use_own_storage();
  }

  void setup(StrategyEnv& env) override {
    const Plan& plan = env.plan;
    uint64_t need = 0;
    if (env.is_trainer()) {
      chunks_ = plan.chunks_of(env.world_rank);
      source_ = std::make_unique<SegmentSource>(plan, *env.shards, env.transport, env.ranks, env.world_rank, env.recorder,
                                                env.options.offloaded, /*send_strided=*/true);
      // A segment's copies are consecutive transfers of one chunk: it is prepared once.
      std::vector<std::vector<uint32_t>> segments(chunks_.size());
      for (size_t k = 0; k < chunks_.size(); ++k)
        for (uint32_t i = chunks_[k].begin; i < chunks_[k].end; ++i)
          if (segments[k].empty() || segments[k].back() != plan.transfers()[i].segment)
            segments[k].push_back(plan.transfers()[i].segment);
      std::vector<uint32_t> mine;
      for (const auto& list : segments) mine.insert(mine.end(), list.begin(), list.end());
      pipeline_ = std::make_unique<SenderPipeline>(*source_, env.recorder, std::move(segments), env.options.max_tmp_bytes);
      need = pipeline_->largest_chunk_tmp();
      interleave_rows_ = env.transport.capabilities().cpu_copy_puts;
      if (env.options.delta) {
        inbox_ = std::make_unique<DeltaInbox>(env.control, env.ranks, env.world_rank, expected_traffic(env), 0);
        sender_ = std::make_unique<DeltaSender>(plan, *source_, *env.shards, mine, *inbox_);
      }
      window_ = env.transport.expose_new(0);
    } else {
      // The weights live in memory the transport allocated to expose (as an engine that
      // registers its weight memory): with MPI, shared memory that a put fills in one copy.
      // Delta updates: the senders' patch inbox lies behind them.
      uint64_t exposed = env.memory->bytes();
      if (env.options.delta) {
        inbox_ = std::make_unique<DeltaInbox>(env.control, env.ranks, env.world_rank, Traffic{}, exposed);
        exposed = inbox_->exposed_bytes();
      }
      window_ = env.transport.expose_new(exposed);
      env.memory->use_storage(window_->local());
      adopted_ = env.memory;
    }
    // Every rank learns the most demanding chunk, so that a bound below it fails everywhere alike.
    const uint64_t largest = env.control.max(need, env.deadline());
    const uint64_t bound = env.options.max_tmp_bytes;
    if (bound > 0 && largest > bound)
      throw_usage("invalid --max-tmp-bytes " + format_bytes(static_cast<double>(bound)) + ": the rdma sender needs " +
                  format_bytes(static_cast<double>(largest)) +
                  " of temporary memory for its largest chunk (raise the bound or lower --chunk-size)");
    largest_chunk_tmp_ = largest;
    plan_transfers_ = plan.stats().transfers;
  }

  void update(StrategyEnv& env, uint32_t step) override {
    full_ = whole_updates_.next(step, env.options);
    if (!env.is_trainer()) return;  // receivers are not involved
    const Plan& plan = env.plan;
    const Deadline deadline = env.deadline();
    Recorder& rec = env.recorder;
    if (sender_) sender_->start(step, full_);
    pipeline_->run(
        [&](size_t k, const std::vector<SendBytes>& bytes) {
          const Chunk& c = chunks_[k];
          // Delta: what changed in each segment of the chunk, found before any of it is written.
          bool delta = false;
          if (sender_) {
            const double t0 = rec.now();
            if (patches_.size() < bytes.size()) patches_.resize(bytes.size());
            uint64_t compared = 0;
            for (size_t j = 0, i = c.begin; i < c.end; ++i)
              if (i == c.begin || plan.transfers()[i].segment != plan.transfers()[i - 1].segment) {
                delta = sender_->encode(plan.transfers()[i].segment, bytes[j], patches_[j]);
                compared += bytes[j].bytes();
                ++j;
              }
            rec.record(stage::encode, static_cast<int32_t>(k), -1, compared, t0, rec.now());
          }
          const double t_put = rec.now();
          per_destination_.assign(static_cast<size_t>(env.ranks.inference), 0);
          size_t j = 0;
          for (uint32_t i = c.begin; i < c.end; ++i) {
            const Transfer& x = plan.transfers()[i];
            if (i > c.begin && x.segment != plan.transfers()[i - 1].segment) ++j;
            const Segment& seg = plan.segments()[x.segment];
            const Slice& s = plan.slices()[seg.slice];
            const int32_t dst = plan.dest_rank(s, x.copy);
            const SendBytes& b = bytes[j];
            WXFER_ASSERT(b.bytes() == seg.bytes);
            const uint64_t at = plan.local_offset(s.tensor, dst) + seg.offset;
            if (sender_) {
              const int receiver = env.ranks.world_of_inference(dst);
              if (delta && sender_->take(receiver, at, patches_[j], seg.bytes)) continue;  // written with the slot
              sender_->whole(receiver, seg.bytes);
            }
            if (b.contiguous())
              window_->put(env.ranks.world_of_inference(dst), at, b.data, seg.bytes);
            else
              strided_.push_back({env.ranks.world_of_inference(dst), at, b.data, b.rows, b.row_bytes, b.stride});
            per_destination_[static_cast<size_t>(dst)] += seg.bytes;
          }
          put_strided_sends();
          // The chunk's memory is reused once this returns: its writes must be complete.
          window_->flush(deadline);
          // One event per destination, so that the report sees bytes in per receiver.
          const double t_done = rec.now();
          for (int32_t d = 0; d < env.ranks.inference; ++d)
            if (per_destination_[static_cast<size_t>(d)] > 0)
              rec.record(stage::transfer, static_cast<int32_t>(k), env.ranks.world_of_inference(d),
                         per_destination_[static_cast<size_t>(d)], t_put, t_done);
        },
        deadline);
    if (sender_ && !full_) {
      // Each receiver's patches in one write, before the commit.
      const double t0 = rec.now();
      sender_->write(*window_);
      window_->flush(deadline);
      const double t1 = rec.now();
      for (const auto& [receiver, bytes] : sender_->result().wire)
        if (bytes > 0) rec.record(stage::transfer, -1, receiver, bytes, t0, t1);
    }
    source_->finish_contributions(deadline);
  }

  std::optional<std::string> apply(StrategyEnv& env, uint32_t step) override {
    if (!inbox_ || full_ || env.is_trainer()) return std::nullopt;
    return apply_inbox(*inbox_, static_cast<uint8_t*>(window_->local().data), env.memory->bytes(), step, env.recorder);
  }

  std::optional<StepDelta> step_delta() const override {
    if (!sender_) return std::nullopt;
    return sender_->result();
  }

  // Where puts are CPU copies, column boxes of the same held rows (the inference cut splits
  // them along dim 1) go out row by row across the boxes, so that trainer memory is read in
  // order: one box alone reads a fraction of every row, which streams from memory much slower
  // than reading the rows whole. Elsewhere each box is one strided put.
  void put_strided_sends() {
    auto src = [](const StridedBox& b) { return static_cast<const uint8_t*>(b.src); };
    std::sort(strided_.begin(), strided_.end(), [&](const StridedBox& a, const StridedBox& b) {
      return std::make_tuple(a.src_stride, a.rows, src(a)) < std::make_tuple(b.src_stride, b.rows, src(b));
    });
    for (size_t g = 0; g < strided_.size();) {
      const StridedBox& first = strided_[g];
      size_t end = g + 1;
      while (interleave_rows_ && end < strided_.size() && strided_[end].src_stride == first.src_stride &&
             strided_[end].rows == first.rows && static_cast<uint64_t>(src(strided_[end]) - src(first)) < first.src_stride)
        ++end;
      if (end == g + 1)
        window_->put_strided(first.peer, first.offset, first.src, first.rows, first.row_bytes, first.src_stride);
      else
        window_->put_interleaved(std::span<const StridedBox>(strided_).subspan(g, end - g));
      g = end;
    }
    strided_.clear();
  }

  Traffic expected_traffic(const StrategyEnv& env) const override {
    Traffic out;
    const Plan& plan = env.plan;
    for (const Chunk& c : chunks_)
      for (uint32_t i = c.begin; i < c.end; ++i) {
        const Transfer& x = plan.transfers()[i];
        const Segment& seg = plan.segments()[x.segment];
        out[env.ranks.world_of_inference(plan.dest_rank(plan.slices()[seg.slice], x.copy))] += seg.bytes;
      }
    return out;
  }

  void close(StrategyEnv&, const Deadline& deadline) override {
    if (adopted_ != nullptr) {
      adopted_->use_own_storage();
      adopted_ = nullptr;
    }
    if (window_) window_->close(deadline);
  }

  nlohmann::json params() const override {
    return {{"chunks", chunks_.size()},
            {"plan_transfers", plan_transfers_},
            {"largest_chunk_tmp_bytes", largest_chunk_tmp_},
            {"max_tmp_bytes", pipeline_ ? pipeline_->capacity() : 0},
            {"delta", inbox_ != nullptr},
            {"shadow_bytes", sender_ ? sender_->shadow_bytes() : 0}};
  }

 private:
  std::vector<Chunk> chunks_;
  std::vector<uint64_t> per_destination_;
  std::vector<StridedBox> strided_;  // a chunk's strided sends, issued after its contiguous ones
  bool interleave_rows_ = false;     // the transport's puts are CPU copies (put_strided_sends)
  std::unique_ptr<SegmentSource> source_;
  std::unique_ptr<SenderPipeline> pipeline_;
  std::unique_ptr<Window> window_;
  InferenceMemory* adopted_ = nullptr;  // gets its own storage back before window_ goes
  uint64_t largest_chunk_tmp_ = 0;
  uint64_t plan_transfers_ = 0;  // every sender's (segment, destination copy) pairs
  // Delta updates (StrategyOptions::delta).
  std::unique_ptr<DeltaInbox> inbox_;
  std::unique_ptr<DeltaSender> sender_;  // trainer ranks
  std::vector<delta::Patch> patches_;    // a chunk's, one per segment
  WholeUpdates whole_updates_;
  bool full_ = true;  // the current update is whole
};

}  // namespace

std::unique_ptr<Strategy> make_rdma_strategy() { return std::make_unique<RdmaStrategy>(); }

}  // namespace wxfer
