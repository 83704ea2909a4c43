#include "strategy/rdma/rdma_strategy.hpp"

#include <algorithm>
#include <limits>

#include "strategy/segment_source.hpp"

namespace wxfer {
namespace {

class RdmaStrategy final : public Strategy {
 public:
  void setup(StrategyEnv& env) override {
    const Plan& plan = env.plan;
    if (env.is_trainer()) {
      chunks_ = plan.chunks_of(env.world_rank);
      source_ = std::make_unique<SegmentSource>(plan, *env.shards, env.transport, env.ranks, env.world_rank, env.recorder);
      // Two staging buffers: chunk k+1 is prepared while chunk k's writes complete.
      uint64_t largest = 0;
      for (const auto& c : chunks_) largest = std::max(largest, c.bytes);
      const uint64_t each = std::min(largest, std::max(SegmentSource::staging_bytes(plan, env.world_rank), env.options.chunk_bytes));
      for (auto& s : staging_) s = HostBuffer(each);
      window_ = env.transport.expose({nullptr, 0, MemoryKind::host, -1});
    } else {
      window_ = env.transport.expose(env.memory->span());
    }
  }

  void update(StrategyEnv& env, uint32_t) override {
    if (!env.is_trainer()) return;  // receivers are not involved
    const Plan& plan = env.plan;
    const Deadline deadline = env.deadline();
    Recorder& rec = env.recorder;
    source_->post_contributions();
    for (size_t k = 0; k < chunks_.size(); ++k) {
      const Chunk& c = chunks_[k];
      HostBuffer& staging = staging_[k % 2];
      if (k >= 2) flush(rec, static_cast<int32_t>(k - 2), deadline);  // staging k%2 is free again
      uint64_t used = 0;
      uint32_t last_segment = std::numeric_limits<uint32_t>::max();
      const uint8_t* bytes = nullptr;
      const double t_put = rec.now();
      per_destination_.assign(static_cast<size_t>(env.ranks.inference), 0);
      for (uint32_t i = c.begin; i < c.end; ++i) {
        const Transfer& x = plan.transfers()[i];
        const Segment& seg = plan.segments()[x.segment];
        if (x.segment != last_segment) {
          uint8_t* room = staging.data() + (used + seg.bytes <= staging.size() ? used : 0);
          bytes = source_->materialize(x.segment, room, static_cast<int32_t>(k), deadline);
          if (bytes == room) used += seg.bytes;
          last_segment = x.segment;
        }
        const Slice& s = plan.slices()[seg.slice];
        const int32_t dst = plan.dest_rank(s, x.copy);
        window_->put(env.ranks.world_of_inference(dst), plan.local_offset(s.tensor, dst) + seg.offset, bytes, seg.bytes);
        per_destination_[static_cast<size_t>(dst)] += seg.bytes;
      }
      // One event per destination, so that the report sees bytes in per receiver.
      const double t_issued = rec.now();
      for (int32_t d = 0; d < env.ranks.inference; ++d)
        if (per_destination_[static_cast<size_t>(d)] > 0)
          rec.record("transfer", static_cast<int32_t>(k), env.ranks.world_of_inference(d),
                     per_destination_[static_cast<size_t>(d)], t_put, t_issued);
    }
    if (!chunks_.empty()) flush(rec, static_cast<int32_t>(chunks_.size() - 1), deadline);
    source_->finish_contributions(deadline);
  }

  double reference_seconds(StrategyEnv&) override { return std::numeric_limits<double>::quiet_NaN(); }

  nlohmann::json params() const override { return {{"chunks", chunks_.size()}}; }

 private:
  void flush(Recorder& rec, int32_t chunk, const Deadline& deadline) {
    const double t0 = rec.now();
    window_->flush(deadline);
    rec.record("flush", chunk, -1, 0, t0, rec.now());
  }

  std::vector<Chunk> chunks_;
  std::vector<uint64_t> per_destination_;
  std::unique_ptr<SegmentSource> source_;
  HostBuffer staging_[2];
  std::unique_ptr<Window> window_;
};

}  // namespace

std::unique_ptr<Strategy> make_rdma_strategy() { return std::make_unique<RdmaStrategy>(); }

}  // namespace wxfer
