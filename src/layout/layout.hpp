// Parallel layouts of the trainer and the inference engine, as users write them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wxfer {

// Trainer: either FSDP (Shard(0) over `fsdp` ranks) or Megatron-style tp x pp x ep,
// where ep also replicates the dense weights (it takes the place of data parallelism).
struct TrainerLayout {
  int32_t fsdp = 0;  // 0: not FSDP
  int32_t tp = 1;
  int32_t pp = 1;
  int32_t ep = 1;

  int32_t ranks() const { return fsdp > 0 ? fsdp : tp * pp * ep; }
  std::string to_string() const;
};

// Inference: `replicas` engines of `tp` ranks each; `ep` splits routed experts into
// ep groups inside an engine (each group's experts are cut by tp/ep).
struct InferenceLayout {
  int32_t tp = 1;
  int32_t ep = 1;
  int32_t replicas = 1;

  int32_t ranks() const { return tp * replicas; }
  std::string to_string() const;
};

// "fsdp=256" or "tp=8,pp=4,ep=8"; bad keys or values are a UsageError naming them.
TrainerLayout parse_trainer_layout(std::string_view text);
// "tp=16,replicas=8" or "tp=8,ep=8,replicas=16".
InferenceLayout parse_inference_layout(std::string_view text);

}  // namespace wxfer
