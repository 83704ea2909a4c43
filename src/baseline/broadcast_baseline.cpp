// The broadcast strategy's buckets through plain blocking MPI_Bcast, one communicator per
// owner (the owner and every inference rank): no packing, no ping-pong, no copy-out.
#include <algorithm>

#include "baseline/baseline.hpp"
#include "common/error.hpp"
#include "common/pieces.hpp"
#include "control/mpi_comm.hpp"
#include "harness/clock.hpp"
#include "plan/buckets.hpp"
#include "transport/memory.hpp"

namespace wxfer {
namespace {

class BroadcastBaseline final : public Baseline {
 public:
  void setup(const BaselineEnv& env, const nlohmann::json& strategy_params) override {
    env_.emplace(env);
    const uint64_t bucket_bytes = strategy_params.at("bucket_bytes").get<uint64_t>();
    const Plan whole = whole_model_plan(env.plan);
    buckets_ = pack_buckets(whole, bucket_bytes);
    uint64_t largest = 1;
    for (const Bucket& b : buckets_) largest = std::max(largest, b.bytes);
    comms_.resize(static_cast<size_t>(env.plan.trainer_ranks()));
    std::vector<bool> made(comms_.size(), false);
    for (const Bucket& b : buckets_) {
      if (made[static_cast<size_t>(b.owner)]) continue;
      made[static_cast<size_t>(b.owner)] = true;
      const bool in = env.world_rank == b.owner || !env.ranks.is_trainer(env.world_rank);
      MPI_Comm comm = MPI_COMM_NULL;  // the owner is rank 0 of it
      WXFER_CHECK_MPI(
          MPI_Comm_split(env.comm, in ? 0 : MPI_UNDEFINED, env.world_rank == b.owner ? 0 : 1 + env.world_rank, &comm));
      comms_[static_cast<size_t>(b.owner)] = MpiComm(comm);
    }
    scratch_ = HostBuffer(largest);
  }

  double run_once() override {
    WXFER_CHECK_MPI(MPI_Barrier(env_->comm));
    const double t0 = now_seconds();
    for (const Bucket& b : buckets_) {
      const MpiComm& c = comms_[static_cast<size_t>(b.owner)];
      if (!c.open()) continue;
      for_each_piece(b.bytes,
                     [&](size_t off, int n) { WXFER_CHECK_MPI(MPI_Bcast(scratch_.data() + off, n, MPI_BYTE, 0, c.get())); });
    }
    WXFER_CHECK_MPI(MPI_Barrier(env_->comm));
    return now_seconds() - t0;
  }

  void close(const Deadline& deadline) override {
    for (MpiComm& c : comms_) c.close(deadline);
  }

 private:
  std::optional<BaselineEnv> env_;
  std::vector<Bucket> buckets_;
  std::vector<MpiComm> comms_;  // per owner; open on the ranks of its group
  HostBuffer scratch_;
};

}  // namespace

std::unique_ptr<Baseline> make_broadcast_baseline() { return std::make_unique<BroadcastBaseline>(); }

}  // namespace wxfer
