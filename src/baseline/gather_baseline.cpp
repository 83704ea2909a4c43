// Plain blocking gather-and-send of gather's rounds: each owner sends its segments to
// trainer 0 with MPI_Send, then trainer 0 sends each round whole to every inference rank.
#include <algorithm>

#include "baseline/baseline.hpp"
#include "common/error.hpp"
#include "common/pieces.hpp"
#include "harness/clock.hpp"
#include "plan/buckets.hpp"
#include "transport/memory.hpp"

namespace wxfer {
namespace {

constexpr int kToRoot = 4211;
constexpr int kToInference = 4212;
constexpr int kRoot = 0;

class GatherBaseline final : public Baseline {
 public:
  void setup(const BaselineEnv& env, const nlohmann::json&) override {
    env_.emplace(env);
    whole_.emplace(whole_model_plan(env.plan));
    rounds_ = gather_rounds(*whole_, env.chunk_bytes);
    segments_of_ = segments_by_tensor(*whole_);
    uint64_t largest = 1;
    for (const GatherRound& r : rounds_) largest = std::max(largest, r.bytes);
    // Kept between passes, like the strategy's buffers.
    scratch_ = HostBuffer(largest);
  }

  double run_once() override {
    const BaselineEnv& env = *env_;
    const Plan& w = *whole_;
    const int me = env.world_rank;
    WXFER_CHECK_MPI(MPI_Barrier(env.comm));
    const double t0 = now_seconds();
    for (const GatherRound& r : rounds_) {
      for (size_t i = 0; i < r.tensors.size(); ++i)
        for (uint32_t s : segments_of_[r.tensors[i]]) {
          const Segment& seg = w.segments()[s];
          const int owner = w.source_rank(seg, 0);
          if (owner == kRoot) continue;
          if (me == owner) send(scratch_.data(), seg.bytes, kRoot, kToRoot);
          if (me == kRoot) receive(scratch_.data() + r.tensor_offset[i] + seg.offset, seg.bytes, owner, kToRoot);
        }
      for (int dst = 0; dst < env.ranks.inference; ++dst) {
        const int world = env.ranks.world_of_inference(dst);
        if (me == kRoot) send(scratch_.data(), r.bytes, world, kToInference);
        if (me == world) receive(scratch_.data(), r.bytes, kRoot, kToInference);
      }
    }
    WXFER_CHECK_MPI(MPI_Barrier(env.comm));
    return now_seconds() - t0;
  }

  void close(const Deadline&) override {}  // no communicators of its own

 private:
  void send(const uint8_t* p, uint64_t n, int peer, int tag) const {
    for_each_piece(n, [&](size_t off, int count) { WXFER_CHECK_MPI(MPI_Send(p + off, count, MPI_BYTE, peer, tag, env_->comm)); });
  }
  void receive(uint8_t* p, uint64_t n, int peer, int tag) const {
    for_each_piece(n, [&](size_t off, int count) {
      WXFER_CHECK_MPI(MPI_Recv(p + off, count, MPI_BYTE, peer, tag, env_->comm, MPI_STATUS_IGNORE));
    });
  }

  std::optional<BaselineEnv> env_;
  std::optional<Plan> whole_;
  std::vector<GatherRound> rounds_;
  std::vector<std::vector<uint32_t>> segments_of_;
  HostBuffer scratch_;
};

}  // namespace

std::unique_ptr<Baseline> make_gather_baseline() { return std::make_unique<GatherBaseline>(); }

}  // namespace wxfer
