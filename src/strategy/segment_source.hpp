// Turns a plan segment into the bytes that land: straight from the trainer's memory when
// they are contiguous there, packed when strided, gathered from peers when no single rank
// holds them. Shared by every strategy.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/roles.hpp"
#include "harness/recorder.hpp"
#include "harness/trainer_shards.hpp"
#include "plan/plan.hpp"
#include "transport/transport.hpp"

namespace wxfer {

class SegmentSource {
 public:
  SegmentSource(const Plan& plan, const TrainerShards& shards, Transport& transport, const RankLayout& ranks,
                int32_t trainer_rank, Recorder& recorder);

  // Starts sending this rank's pieces of other owners' gathered segments, for one step,
  // in segment order (the order in which owners receive them).
  void post_contributions();
  // Waits for those sends (end of step).
  void finish_contributions(const Deadline& deadline);

  // Bytes of a segment this rank sends; `staging` must hold seg.bytes (only used when the
  // bytes are not contiguous in this rank's memory).
  const uint8_t* materialize(uint32_t segment, uint8_t* staging, int32_t chunk, const Deadline& deadline);

  // Largest staging a single segment can need.
  static uint64_t staging_bytes(const Plan& plan, int32_t trainer_rank);

  static constexpr int kGatherTag = 4101;

 private:
  struct Contribution {
    uint32_t segment;
    int32_t owner;
    Range rows, cols;
  };
  const Plan& plan_;
  const TrainerShards& shards_;
  Transport& transport_;
  const RankLayout& ranks_;
  int32_t rank_;
  Recorder& recorder_;
  std::vector<Contribution> contributions_;
  std::vector<std::vector<uint8_t>> packed_;
  std::vector<Request> sends_;
  std::vector<uint8_t> scatter_;
};

}  // namespace wxfer
