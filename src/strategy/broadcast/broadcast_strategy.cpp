#include "strategy/broadcast/broadcast_strategy.hpp"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/error.hpp"
#include "plan/buckets.hpp"
#include "strategy/copy_out.hpp"
#include "strategy/segment_source.hpp"
#include "transport/pieces.hpp"

namespace wxfer {

uint64_t default_bucket_bytes(int ranks_on_node) {
  const auto pages = static_cast<uint64_t>(sysconf(_SC_AVPHYS_PAGES));
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t share = pages * page / static_cast<uint64_t>(std::max(ranks_on_node, 1));
  const uint64_t bucket = share * 9 / 10 / 3;  // two ping-pong halves plus a staging buffer
  return std::clamp<uint64_t>(bucket, 1 << 20, uint64_t{8} << 30);
}

namespace {

class BroadcastStrategy final : public Strategy {
 public:
  void setup(StrategyEnv& env) override {
    whole_.emplace(whole_model_plan(env.plan));
    if (env.options.bucket_bytes == 0) {
      MPI_Comm node;
      int local = 1;
      WXFER_CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
      WXFER_CHECK_MPI(MPI_Comm_size(node, &local));
      MPI_Comm_free(&node);
      uint64_t mine = default_bucket_bytes(local), smallest = 0;
      WXFER_CHECK_MPI(MPI_Allreduce(&mine, &smallest, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD));
      bucket_bytes_ = smallest;
    } else {
      bucket_bytes_ = env.options.bucket_bytes;
    }
    buckets_ = pack_buckets(*whole_, bucket_bytes_);
    uint64_t largest = 0;
    for (const auto& b : buckets_) largest = std::max(largest, b.bytes);
    // One group per owner: the owner and every inference rank (made collectively, in order).
    std::vector<int> owners;
    for (const auto& b : buckets_)
      if (std::find(owners.begin(), owners.end(), b.owner) == owners.end()) owners.push_back(b.owner);
    groups_.resize(static_cast<size_t>(env.plan.trainer_ranks()));
    ref_comms_.assign(static_cast<size_t>(env.plan.trainer_ranks()), MPI_COMM_NULL);
    for (int owner : owners) {
      std::vector<int> members{owner};
      for (int i = 0; i < env.ranks.inference; ++i) members.push_back(env.ranks.world_of_inference(i));
      groups_[static_cast<size_t>(owner)] = env.transport.make_group(members);
      const bool in = env.world_rank == owner || !env.is_trainer();
      WXFER_CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, in ? 0 : MPI_UNDEFINED, env.world_rank == owner ? 0 : 1 + env.world_rank,
                                     &ref_comms_[static_cast<size_t>(owner)]));
    }
    const bool owns = std::any_of(buckets_.begin(), buckets_.end(), [&](const Bucket& b) { return b.owner == env.world_rank; });
    if (owns || !env.is_trainer())
      for (auto& b : buffers_) b = HostBuffer(largest);
    if (env.is_trainer())
      source_ = std::make_unique<SegmentSource>(*whole_, *env.shards, env.transport, env.ranks, env.world_rank, env.recorder,
                                                 env.options.offloaded);
    else
      copy_out_.emplace(env.plan, env.ranks.inference_index(env.world_rank));
  }

  ~BroadcastStrategy() override {
    for (auto& c : ref_comms_)
      if (c != MPI_COMM_NULL) MPI_Comm_free(&c);
  }

  void update(StrategyEnv& env, uint32_t) override {
    const Deadline deadline = env.deadline();
    Recorder& rec = env.recorder;
    Request pending[2];
    if (env.is_trainer()) {
      source_->start_step();
      source_->post_contributions();
    }
    for (size_t k = 0; k < buckets_.size(); ++k) {
      const Bucket& b = buckets_[k];
      HostBuffer& buf = buffers_[k % 2];
      MemorySpan span{buf.data(), b.bytes, MemoryKind::host, -1};
      if (env.world_rank == b.owner) {
        finish_sending(rec, pending[k % 2], k % 2, deadline);
        pack(b, buf.data(), static_cast<int32_t>(k), rec, deadline);
        sending_[k % 2] = {static_cast<int32_t>(k), rec.now(), b.bytes};
        pending[k % 2] = env.transport.ibroadcast(*groups_[static_cast<size_t>(b.owner)], b.owner, span);
      } else if (!env.is_trainer()) {
        const double t0 = rec.now();
        pending[k % 2] = env.transport.ibroadcast(*groups_[static_cast<size_t>(b.owner)], b.owner, span);
        if (k > 0) finish(env, k - 1, pending[(k - 1) % 2], t_posted_[(k - 1) % 2], deadline);
        t_posted_[k % 2] = t0;
      }
    }
    if (!env.is_trainer() && !buckets_.empty())
      finish(env, buckets_.size() - 1, pending[(buckets_.size() - 1) % 2], t_posted_[(buckets_.size() - 1) % 2], deadline);
    if (env.is_trainer())
      for (size_t slot = 0; slot < 2; ++slot) finish_sending(rec, pending[slot], slot, deadline);
    wait_all(pending, deadline);
    if (env.is_trainer()) source_->finish_contributions(deadline);
  }

  double reference_seconds(StrategyEnv& env) override {
    // The same broadcasts with plain blocking MPI_Bcast: no packing, no copy-out.
    HostBuffer scratch(buffers_[0].size() > 0 ? buffers_[0].size() : 1);
    WXFER_CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    const double t0 = now_seconds();
    for (const auto& b : buckets_) {
      MPI_Comm c = ref_comms_[static_cast<size_t>(b.owner)];
      if (c == MPI_COMM_NULL) continue;
      for_each_piece(b.bytes, [&](size_t off, int n) { WXFER_CHECK_MPI(MPI_Bcast(scratch.data() + off, n, MPI_BYTE, 0, c)); });
    }
    WXFER_CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    (void)env;
    return now_seconds() - t0;
  }

  nlohmann::json params() const override { return {{"bucket_bytes", bucket_bytes_}, {"buckets", buckets_.size()}}; }

 private:
  void pack(const Bucket& b, uint8_t* buf, int32_t k, Recorder& rec, const Deadline& deadline) {
    const double t0 = rec.now();
    uint64_t at = 0;
    for (uint32_t s : b.segments) {
      const uint64_t n = whole_->segments()[s].bytes;
      const uint8_t* bytes = source_->materialize(s, buf + at, k, deadline);
      if (bytes != buf + at) std::memcpy(buf + at, bytes, n);
      at += n;
    }
    rec.record("pack", k, -1, b.bytes, t0, rec.now());
  }

  // The owner's side of a broadcast, recorded when its buffer is needed again.
  void finish_sending(Recorder& rec, Request& req, size_t slot, const Deadline& deadline) {
    if (sending_[slot].bucket < 0) return;
    wait(req, deadline);
    rec.record("bcast", sending_[slot].bucket, -1, sending_[slot].bytes, sending_[slot].t_posted, rec.now());
    sending_[slot].bucket = -1;
  }

  void finish(StrategyEnv& env, size_t k, Request& req, double t_posted, const Deadline& deadline) {
    Recorder& rec = env.recorder;
    const Bucket& b = buckets_[k];
    wait(req, deadline);
    const double t1 = rec.now();
    rec.record("bcast", static_cast<int32_t>(k), -1, b.bytes, t_posted, t1);
    const uint8_t* buf = buffers_[k % 2].data();
    uint64_t at = 0, kept = 0;
    for (uint32_t s : b.segments) {
      const Segment& seg = whole_->segments()[s];
      kept += copy_out_->copy(whole_->slices()[seg.slice].tensor, seg.rows, buf + at, *env.memory);
      at += seg.bytes;
    }
    rec.record("copy_out", static_cast<int32_t>(k), b.owner, kept, t1, rec.now());
  }

  std::optional<Plan> whole_;
  uint64_t bucket_bytes_ = 0;
  std::vector<Bucket> buckets_;
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<MPI_Comm> ref_comms_;
  HostBuffer buffers_[2];
  double t_posted_[2] = {0, 0};
  struct InFlight {
    int32_t bucket = -1;
    double t_posted = 0;
    uint64_t bytes = 0;
  };
  InFlight sending_[2];
  std::unique_ptr<SegmentSource> source_;
  std::optional<SliceCopyOut> copy_out_;
};

}  // namespace

std::unique_ptr<Strategy> make_broadcast_strategy() { return std::make_unique<BroadcastStrategy>(); }

}  // namespace wxfer
