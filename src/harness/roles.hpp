// World ranks: the first `trainers` train, the rest serve inference.
#pragma once

namespace wxfer {

struct RankLayout {
  int trainers = 0;
  int inference = 0;

  int world() const { return trainers + inference; }
  bool is_trainer(int world_rank) const { return world_rank < trainers; }
  int world_of_inference(int index) const { return trainers + index; }
  int inference_index(int world_rank) const { return world_rank - trainers; }
};

}  // namespace wxfer
