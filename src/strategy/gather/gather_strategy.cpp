#include "strategy/gather/gather_strategy.hpp"
#include "record/stages.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/error.hpp"
#include "plan/buckets.hpp"
#include "strategy/copy_out.hpp"
#include "strategy/segment_source.hpp"

namespace wxfer {
namespace {

constexpr int kToRoot = 4201;
constexpr int kToInference = 4202;
constexpr int kRoot = 0;

class GatherStrategy final : public Strategy {
 public:
  void setup(StrategyEnv& env) override {
    whole_.emplace(whole_model_plan(env.plan));
    const Plan& w = *whole_;
    segments_of_ = segments_by_tensor(w);
    rounds_ = gather_rounds(w, env.options.chunk_bytes);
    uint64_t largest = 0;
    for (const GatherRound& r : rounds_) largest = std::max(largest, r.bytes);
    if (env.world_rank == kRoot || !env.is_trainer())
      for (auto& b : buffers_) b = HostBuffer(largest);
    if (env.is_trainer()) {
      source_ = std::make_unique<SegmentSource>(w, *env.shards, env.transport, env.ranks, env.world_rank, env.recorder,
                                                env.options.offloaded);
      if (env.world_rank != kRoot)
        for (auto& b : buffers_) b = HostBuffer(largest);  // staging for what this rank sends to the root
    } else {
      copy_out_.emplace(env.plan, env.ranks.inference_index(env.world_rank));
    }
  }

  void update(StrategyEnv& env, uint32_t) override {
    const Deadline deadline = env.deadline();
    if (env.is_trainer()) {
      source_->start_step();
      source_->post_contributions();
    }
    if (env.world_rank == kRoot)
      run_root(env, deadline);
    else if (env.is_trainer())
      run_sender(env, deadline);
    else
      run_receiver(env, deadline);
    if (env.is_trainer()) source_->finish_contributions(deadline);
  }

  void close(StrategyEnv&, const Deadline&) override {}  // nothing collective to release

  // The root sends every round whole to every inference rank; nobody else sends to them.
  Traffic expected_traffic(const StrategyEnv& env) const override {
    Traffic out;
    if (env.world_rank != kRoot) return out;
    uint64_t model = 0;
    for (const GatherRound& r : rounds_) model += r.bytes;
    for (int i = 0; i < env.ranks.inference; ++i) out[env.ranks.world_of_inference(i)] = model;
    return out;
  }

  nlohmann::json params() const override { return {{"rounds", rounds_.size()}}; }

 private:
  static MemorySpan host(uint8_t* p, uint64_t n) { return {p, n, MemoryKind::host, -1}; }

  // Trainer 0: gather round r into a buffer, then send its tensors to every inference rank
  // while gathering round r+1 into the other buffer.
  void run_root(StrategyEnv& env, const Deadline& deadline) {
    const Plan& w = *whole_;
    Recorder& rec = env.recorder;
    std::vector<Request> sending[2];
    for (size_t k = 0; k < rounds_.size(); ++k) {
      const GatherRound& r = rounds_[k];
      uint8_t* buf = buffers_[k % 2].data();
      drain(env, sending[k % 2], k % 2, deadline);
      const double t0 = rec.now();
      std::vector<Request> recvs;
      for (size_t i = 0; i < r.tensors.size(); ++i)
        for (uint32_t s : segments_of_[r.tensors[i]]) {
          const Segment& seg = w.segments()[s];
          uint8_t* at = buf + r.tensor_offset[i] + seg.offset;
          const int owner = w.source_rank(seg, 0);
          if (owner != kRoot) {
            recvs.push_back(env.transport.irecv(owner, host(at, seg.bytes), kToRoot));
            continue;
          }
          const uint8_t* bytes = source_->materialize(s, at, static_cast<int32_t>(k), deadline);
          if (bytes != at) std::memcpy(at, bytes, seg.bytes);
        }
      wait_all(recvs, deadline);
      const double t1 = rec.now();
      rec.record(stage::collect, static_cast<int32_t>(k), -1, r.bytes, t0, t1);
      posted_[k % 2] = {static_cast<int32_t>(k), t1, r.bytes};
      for (int dst = 0; dst < env.ranks.inference; ++dst)
        for (size_t i = 0; i < r.tensors.size(); ++i)
          sending[k % 2].push_back(env.transport.isend(env.ranks.world_of_inference(dst),
                                                       host(buf + r.tensor_offset[i], w.dest_tensor(r.tensors[i]).bytes()),
                                                       kToInference));
    }
    for (size_t slot = 0; slot < 2; ++slot) drain(env, sending[slot], slot, deadline);
  }

  // Completes the root's sends of one buffer and records them, one event per receiver.
  void drain(StrategyEnv& env, std::vector<Request>& sends, size_t slot, const Deadline& deadline) {
    wait_all(sends, deadline);
    sends.clear();
    if (posted_[slot].round < 0) return;
    const double t1 = env.recorder.now();
    for (int dst = 0; dst < env.ranks.inference; ++dst)
      env.recorder.record(stage::send, posted_[slot].round, env.ranks.world_of_inference(dst), posted_[slot].bytes,
                          posted_[slot].t_posted, t1);
    posted_[slot].round = -1;
  }

  void run_sender(StrategyEnv& env, const Deadline& deadline) {
    const Plan& w = *whole_;
    Recorder& rec = env.recorder;
    std::vector<Request> sending[2];
    for (size_t k = 0; k < rounds_.size(); ++k) {
      const GatherRound& r = rounds_[k];
      wait_all(sending[k % 2], deadline);
      sending[k % 2].clear();
      if (sent_[k % 2] > 0) rec.record(stage::send, static_cast<int32_t>(k) - 2, kRoot, sent_[k % 2], t_sent_[k % 2], rec.now());
      sent_[k % 2] = 0;
      uint8_t* staging = buffers_[k % 2].data();
      uint64_t used = 0;
      for (size_t i = 0; i < r.tensors.size(); ++i)
        for (uint32_t s : segments_of_[r.tensors[i]]) {
          const Segment& seg = w.segments()[s];
          if (w.source_rank(seg, 0) != env.world_rank) continue;
          const uint8_t* bytes = source_->materialize(s, staging + used, static_cast<int32_t>(k), deadline);
          if (bytes == staging + used) used += seg.bytes;
          sending[k % 2].push_back(env.transport.isend(kRoot, host(const_cast<uint8_t*>(bytes), seg.bytes), kToRoot));
          sent_[k % 2] += seg.bytes;
        }
      t_sent_[k % 2] = rec.now();
    }
    for (size_t slot = 0; slot < 2; ++slot) {
      wait_all(sending[slot], deadline);
      if (sent_[slot] > 0) rec.record(stage::send, -1, kRoot, sent_[slot], t_sent_[slot], rec.now());
      sent_[slot] = 0;
    }
  }

  void run_receiver(StrategyEnv& env, const Deadline& deadline) {
    const Plan& w = *whole_;
    Recorder& rec = env.recorder;
    std::vector<Request> recvs[2];
    auto post = [&](size_t k) {
      const GatherRound& r = rounds_[k];
      for (size_t i = 0; i < r.tensors.size(); ++i)
        recvs[k % 2].push_back(env.transport.irecv(
            kRoot, host(buffers_[k % 2].data() + r.tensor_offset[i], w.dest_tensor(r.tensors[i]).bytes()), kToInference));
    };
    if (!rounds_.empty()) post(0);
    for (size_t k = 0; k < rounds_.size(); ++k) {
      const GatherRound& r = rounds_[k];
      const double t0 = rec.now();
      wait_all(recvs[k % 2], deadline);
      recvs[k % 2].clear();
      const double t1 = rec.now();
      rec.record(stage::receive, static_cast<int32_t>(k), kRoot, r.bytes, t0, t1);
      if (k + 1 < rounds_.size()) post(k + 1);
      uint64_t kept = 0;
      for (size_t i = 0; i < r.tensors.size(); ++i) {
        const Tensor& t = w.dest_tensor(r.tensors[i]);
        kept += copy_out_->copy(r.tensors[i], {0, t.rows}, buffers_[k % 2].data() + r.tensor_offset[i], *env.memory);
      }
      rec.record(stage::copy_out, static_cast<int32_t>(k), kRoot, kept, t1, rec.now());
    }
  }

  struct Posted {
    int32_t round = -1;
    double t_posted = 0;
    uint64_t bytes = 0;
  };
  Posted posted_[2];           // root: the round each buffer is being sent from
  uint64_t sent_[2] = {0, 0};  // senders: bytes in flight from each staging buffer
  double t_sent_[2] = {0, 0};
  std::optional<Plan> whole_;
  std::vector<std::vector<uint32_t>> segments_of_;  // whole-plan segments per tensor
  std::vector<GatherRound> rounds_;
  HostBuffer buffers_[2];
  std::unique_ptr<SegmentSource> source_;
  std::optional<SliceCopyOut> copy_out_;
};

}  // namespace

std::unique_ptr<Strategy> make_gather_strategy() { return std::make_unique<GatherStrategy>(); }

}  // namespace wxfer
