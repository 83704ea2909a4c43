#include "strategy/broadcast/broadcast_strategy.hpp"
#include "record/stages.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/error.hpp"
#include "plan/buckets.hpp"
#include "quant/delta.hpp"
#include "strategy/copy_out.hpp"
#include "strategy/delta_sender.hpp"
#include "strategy/segment_source.hpp"

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
      bucket_bytes_ = env.control.min(default_bucket_bytes(env.control.node().local_size), env.deadline());
    } else {
      bucket_bytes_ = env.options.bucket_bytes;
    }
    buckets_ = pack_buckets(*whole_, bucket_bytes_);
    for (const auto& b : buckets_) largest_bucket_ = std::max(largest_bucket_, b.bytes);
    // One group per owner: the owner and every inference rank (made collectively, in order).
    std::vector<int> owners;
    for (const auto& b : buckets_)
      if (std::find(owners.begin(), owners.end(), b.owner) == owners.end()) owners.push_back(b.owner);
    groups_.resize(static_cast<size_t>(env.plan.trainer_ranks()));
    control_groups_.resize(groups_.size());
    for (int owner : owners) {
      std::vector<int> members{owner};
      for (int i = 0; i < env.ranks.inference; ++i) members.push_back(env.ranks.world_of_inference(i));
      groups_[static_cast<size_t>(owner)] = env.transport.make_group(members);
      control_groups_[static_cast<size_t>(owner)] = env.control.make_group(members);
    }
    if (env.is_trainer())
      source_ = std::make_unique<SegmentSource>(*whole_, *env.shards, env.transport, env.ranks, env.world_rank, env.recorder,
                                                env.options.offloaded);
    else
      copy_out_.emplace(env.plan, env.ranks.inference_index(env.world_rank));
    share_pieces(env, env.deadline());
    // Receivers take whole buckets; an owner stages only the runs it cannot send in place,
    // packed back to back (with fsdp bf16 shards, kilobytes instead of two buckets).
    uint64_t staged = 0;
    for (size_t k = 0; k < buckets_.size(); ++k)
      if (buckets_[k].owner == env.world_rank) staged = std::max(staged, packed_bytes(k));
    const uint64_t buffer = env.is_trainer() ? staged : largest_bucket_;
    if (buffer > 0)
      for (auto& b : buffers_) b = HostBuffer(buffer);
    if (env.options.delta && env.is_trainer()) {
      std::vector<uint32_t> mine;
      for (const Bucket& b : buckets_)
        if (b.owner == env.world_rank) mine.insert(mine.end(), b.segments.begin(), b.segments.end());
      finder_ = std::make_unique<ChangeFinder>(*whole_, *source_, *env.shards, mine);
    }
    delta_ = env.options.delta;
  }

  void update(StrategyEnv& env, uint32_t step) override {
    full_ = whole_updates_.next(step, env.options);
    problem_.reset();
    if (finder_) finder_->start(full_);
    if (delta_ && !full_) return update_delta(env);
    const Deadline deadline = env.deadline();
    Recorder& rec = env.recorder;
    std::vector<Request> pending[2];
    if (env.is_trainer()) {
      source_->start_step();
      source_->post_contributions();
    }
    for (size_t k = 0; k < buckets_.size(); ++k) {
      const Bucket& b = buckets_[k];
      HostBuffer& buf = buffers_[k % 2];
      Group& group = *groups_[static_cast<size_t>(b.owner)];
      if (env.world_rank == b.owner) {
        finish_sending(rec, pending[k % 2], k % 2, deadline);
        pack(b, k, buf.data(), rec, deadline);
        if (finder_) refresh(b, k, buf.data());  // a whole update: the sender's copies of what it sent
        sending_[k % 2] = {static_cast<int32_t>(k), rec.now(), b.bytes};
        // Runs already in trainer memory go from there; the rest from the bucket buffer.
        for (const Piece& p : pieces_[k])
          pending[k % 2].push_back(
              env.transport.ibroadcast(group, b.owner,
                                       {const_cast<uint8_t*>(p.in_place != nullptr ? p.in_place : buf.data() + p.packed_at),
                                        p.bytes, MemoryKind::host, -1}));
      } else if (!env.is_trainer()) {
        const double t0 = rec.now();
        for (const Piece& p : pieces_[k])
          pending[k % 2].push_back(env.transport.ibroadcast(group, b.owner, {buf.data() + p.at, p.bytes, MemoryKind::host, -1}));
        if (k > 0) finish(env, k - 1, pending[(k - 1) % 2], t_posted_[(k - 1) % 2], deadline, &pending[k % 2]);
        t_posted_[k % 2] = t0;
      }
    }
    if (!env.is_trainer() && !buckets_.empty())
      finish(env, buckets_.size() - 1, pending[(buckets_.size() - 1) % 2], t_posted_[(buckets_.size() - 1) % 2], deadline);
    if (env.is_trainer())
      for (size_t slot = 0; slot < 2; ++slot) finish_sending(rec, pending[slot], slot, deadline);
    for (auto& slot : pending) wait_all(slot, deadline);
    if (env.is_trainer()) source_->finish_contributions(deadline);
  }

  // A delta update, bucket by bucket: the owner broadcasts the bucket's patch records (each
  // segment's changes, or the segment whole where that is smaller) after their length, and
  // every receiver writes the changes it holds into its slices. Not pipelined: a bucket's
  // records are a few percent of it.
  void update_delta(StrategyEnv& env) {
    const Deadline deadline = env.deadline();
    Recorder& rec = env.recorder;
    result_ = StepDelta{};
    result_.full = false;
    if (env.is_trainer()) {
      source_->start_step();
      source_->post_contributions();
    }
    for (size_t k = 0; k < buckets_.size(); ++k) {
      const Bucket& b = buckets_[k];
      Group& group = *groups_[static_cast<size_t>(b.owner)];
      const bool owner = env.world_rank == b.owner;
      if (!owner && env.is_trainer()) continue;
      uint64_t length = 0;
      if (owner) {
        pack(b, k, buffers_[0].data(), rec, deadline);
        encode(b, k, buffers_[0].data(), rec);
        length = records_.size();
      }
      // The length goes over the control plane (set-up style agreement), the records over the
      // data path.
      const double t0 = rec.now();
      length = control_groups_[static_cast<size_t>(b.owner)]->broadcast({length}, b.owner, deadline).at(0);
      if (!owner) records_.resize(length);
      std::vector<Request> payload;
      if (length > 0)
        payload.push_back(env.transport.ibroadcast(group, b.owner, {records_.data(), length, MemoryKind::host, -1}));
      wait_all(payload, deadline);
      rec.record(stage::bcast, static_cast<int32_t>(k), -1, length, t0, rec.now());
      if (owner) {
        for (int i = 0; i < env.ranks.inference; ++i) {
          result_.wire[env.ranks.world_of_inference(i)] += length;
          result_.covered[env.ranks.world_of_inference(i)] += b.bytes;
        }
      } else {
        apply_records(env, k, rec);
      }
    }
    if (env.is_trainer()) source_->finish_contributions(deadline);
    if (finder_) {
      result_.elements = finder_->elements();
      result_.changed = finder_->changed();
    }
  }

  // The owner: bucket k's segments (packed in `buf` or in place) as records in records_.
  void encode(const Bucket& b, size_t k, const uint8_t* buf, Recorder& rec) {
    const double t0 = rec.now();
    records_.clear();
    uint64_t at = 0;
    for (uint32_t s : b.segments) {
      const uint64_t n = whole_->segments()[s].bytes;
      const uint8_t* bytes = bytes_of(k, at, buf);
      if (finder_->encode(s, {bytes, 1, n, n}, patch_) && patch_.encoded_bytes() < n)
        patch_.append(s, records_);
      else
        delta::append_whole(s, finder_->elem_bytes(s), bytes, n, records_);
      at += n;
    }
    rec.record(stage::encode, static_cast<int32_t>(k), -1, b.bytes, t0, rec.now());
  }

  // A whole update: the owner's copies of bucket k's segments brought up to date.
  void refresh(const Bucket& b, size_t k, const uint8_t* buf) {
    uint64_t at = 0;
    for (uint32_t s : b.segments) {
      const uint64_t n = whole_->segments()[s].bytes;
      finder_->encode(s, {bytes_of(k, at, buf), 1, n, n}, patch_);
      at += n;
    }
  }

  // Where the owner holds bucket k's byte `at` as it lands: in place, or packed in `buf`.
  const uint8_t* bytes_of(size_t k, uint64_t at, const uint8_t* buf) const {
    const Piece& piece = piece_at(k, at);
    return piece.in_place != nullptr ? piece.in_place + (at - piece.at) : buf + piece.packed_at + (at - piece.at);
  }

  // A receiver: bucket k's records (in records_) into its slices.
  void apply_records(StrategyEnv& env, size_t k, Recorder& rec) {
    const double t0 = rec.now();
    const Bucket& b = buckets_[k];
    uint64_t written = 0;
    auto bad = delta::visit(records_.data(), records_.size(), [&](const delta::PatchHeader& h, const uint8_t* payload) {
      if (std::find(b.segments.begin(), b.segments.end(), h.dest_offset) == b.segments.end())
        return std::optional<std::string>("segment " + std::to_string(h.dest_offset) + " is not in this bucket");
      const Segment& seg = whole_->segments()[h.dest_offset];
      const uint32_t tensor = whole_->slices()[seg.slice].tensor;
      if (h.encoding == static_cast<uint8_t>(delta::Encoding::whole) && h.elements * h.elem_bytes == seg.bytes) {
        written += copy_out_->copy(tensor, seg.rows, payload, *env.memory);
        return std::optional<std::string>();
      }
      return copy_out_->patch(tensor, seg.rows, h, payload, *env.memory, written);
    });
    if (bad && !problem_)
      problem_ = "bucket " + std::to_string(k) + " from trainer rank " + std::to_string(b.owner) + ": " + *bad;
    rec.record(stage::apply, static_cast<int32_t>(k), b.owner, written, t0, rec.now());
  }

  std::optional<std::string> apply(StrategyEnv&, uint32_t) override { return problem_; }

  std::optional<StepDelta> step_delta() const override {
    if (!delta_ || full_) return std::nullopt;
    return result_;
  }

  // Each owner broadcasts its buckets to every inference rank.
  Traffic expected_traffic(const StrategyEnv& env) const override {
    Traffic out;
    for (const Bucket& b : buckets_)
      if (b.owner == env.world_rank)
        for (int i = 0; i < env.ranks.inference; ++i) out[env.ranks.world_of_inference(i)] += b.bytes;
    return out;
  }

  void close(StrategyEnv&, const Deadline& deadline) override {
    for (auto& g : groups_)
      if (g) g->close(deadline);
    for (auto& g : control_groups_)
      if (g) g->close(deadline);
  }

  nlohmann::json params() const override {
    return {{"bucket_bytes", bucket_bytes_},
            {"buckets", buckets_.size()},
            {"delta", delta_},
            {"shadow_bytes", finder_ ? finder_->shadow_bytes() : 0}};
  }

 private:
  // A bucket as the owner broadcasts it: runs of its layout that lie back to back in the
  // owner's memory as they land (sent from there, no copy), and runs that must be prepared
  // (gathered, converted, staged in: packed into the bucket buffer at their offset).
  struct Piece {
    uint64_t at = 0, bytes = 0;
    const uint8_t* in_place = nullptr;  // on the owner; nullptr: packed
    uint64_t packed_at = 0;             // on the owner, a packed run's place in its buffer
  };

  // The owner finds its buckets' pieces and tells the receivers their boundaries (set-up).
  void share_pieces(StrategyEnv& env, const Deadline& deadline) {
    pieces_.assign(buckets_.size(), {});
    for (size_t k = 0; k < buckets_.size(); ++k) {
      const Bucket& b = buckets_[k];
      const ControlGroup* group = control_groups_[static_cast<size_t>(b.owner)].get();
      if (group == nullptr) continue;
      std::vector<Piece>& pieces = pieces_[k];
      std::vector<uint64_t> bounds;  // at, bytes, at, bytes, ...
      if (env.world_rank == b.owner) {
        uint64_t at = 0, packed = 0;
        for (uint32_t s : b.segments) {
          const uint64_t n = whole_->segments()[s].bytes;
          const uint8_t* here = source_->in_place(s);
          const bool joins = !pieces.empty() && (here == nullptr ? pieces.back().in_place == nullptr
                                                                 : pieces.back().in_place + pieces.back().bytes == here);
          if (joins)
            pieces.back().bytes += n;
          else
            pieces.push_back({at, n, here, packed});
          if (here == nullptr) packed += n;
          at += n;
        }
        for (const Piece& p : pieces) bounds.insert(bounds.end(), {p.at, p.bytes});
      }
      bounds = group->broadcast(std::move(bounds), b.owner, deadline);
      if (env.world_rank != b.owner)
        for (size_t i = 0; i + 1 < bounds.size(); i += 2) pieces.push_back({bounds[i], bounds[i + 1], nullptr});
    }
  }

  void pack(const Bucket& b, size_t k, uint8_t* buf, Recorder& rec, const Deadline& deadline) {
    const double t0 = rec.now();
    uint64_t at = 0, packed = 0;
    for (uint32_t s : b.segments) {
      const uint64_t n = whole_->segments()[s].bytes;
      const Piece& piece = piece_at(k, at);
      if (piece.in_place == nullptr) {
        uint8_t* to = buf + piece.packed_at + (at - piece.at);
        const uint8_t* bytes = source_->materialize(s, to, static_cast<int32_t>(k), deadline);
        if (bytes != to) std::memcpy(to, bytes, n);
        packed += n;
      }
      at += n;
    }
    if (packed > 0) rec.record(stage::pack, static_cast<int32_t>(k), -1, packed, t0, rec.now());
  }

  // The piece of bucket k that holds the bucket's byte `at`.
  const Piece& piece_at(size_t k, uint64_t at) const {
    const auto& pieces = pieces_[k];
    auto it = std::upper_bound(pieces.begin(), pieces.end(), at, [](uint64_t x, const Piece& p) { return x < p.at; });
    WXFER_ASSERT(it != pieces.begin());
    return *std::prev(it);
  }

  // What the owner of bucket k stages in its buffer (on the owner).
  uint64_t packed_bytes(size_t k) const {
    uint64_t n = 0;
    for (const Piece& p : pieces_[k])
      if (p.in_place == nullptr) n += p.bytes;
    return n;
  }

  // The owner's side of a broadcast, recorded when its buffer is needed again.
  void finish_sending(Recorder& rec, std::vector<Request>& reqs, size_t slot, const Deadline& deadline) {
    if (sending_[slot].bucket < 0) return;
    wait_all(reqs, deadline);
    reqs.clear();
    rec.record(stage::bcast, sending_[slot].bucket, -1, sending_[slot].bytes, sending_[slot].t_posted, rec.now());
    sending_[slot].bucket = -1;
  }

  // Waits for bucket k and copies this rank's slices out of it. MPI moves a non-blocking
  // broadcast only inside the calling rank's MPI calls: the copy-out tests the next bucket's
  // broadcast (`next`) every MiB, or this rank holds it up for the ranks it forwards to.
  void finish(StrategyEnv& env, size_t k, std::vector<Request>& reqs, double t_posted, const Deadline& deadline,
              std::vector<Request>* next = nullptr) {
    Recorder& rec = env.recorder;
    const Bucket& b = buckets_[k];
    wait_all(reqs, deadline);
    reqs.clear();
    const double t1 = rec.now();
    rec.record(stage::bcast, static_cast<int32_t>(k), -1, b.bytes, t_posted, t1);
    const uint8_t* buf = buffers_[k % 2].data();
    constexpr uint64_t kTestEvery = uint64_t{1} << 20;
    uint64_t at = 0, kept = 0, tested_at = 0;
    for (uint32_t s : b.segments) {
      const Segment& seg = whole_->segments()[s];
      kept += copy_out_->copy(whole_->slices()[seg.slice].tensor, seg.rows, buf + at, *env.memory);
      at += seg.bytes;
      if (next != nullptr && at - tested_at >= kTestEvery) {
        for (Request& r : *next) r.done();
        tested_at = at;
      }
    }
    rec.record(stage::copy_out, static_cast<int32_t>(k), b.owner, kept, t1, rec.now());
  }

  std::optional<Plan> whole_;
  uint64_t bucket_bytes_ = 0;
  std::vector<Bucket> buckets_;
  uint64_t largest_bucket_ = 0;
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<std::unique_ptr<ControlGroup>> control_groups_;  // per owner, like groups_
  std::vector<std::vector<Piece>> pieces_;                     // per bucket; empty on ranks outside its group
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
  // Delta updates (StrategyOptions::delta).
  bool delta_ = false;
  WholeUpdates whole_updates_;
  bool full_ = true;                      // the current update is whole
  std::unique_ptr<ChangeFinder> finder_;  // owners
  delta::Patch patch_;
  std::vector<uint8_t> records_;  // a bucket's records: the owner's, or as a receiver got them
  StepDelta result_;
  std::optional<std::string> problem_;  // a malformed record a receiver found
};

}  // namespace

std::unique_ptr<Strategy> make_broadcast_strategy() { return std::make_unique<BroadcastStrategy>(); }

}  // namespace wxfer
