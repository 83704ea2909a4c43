#include "record/stages.hpp"

namespace wxfer {

const std::vector<StageInfo>& stage_table() {
  static const std::vector<StageInfo> table = {
      {stage::setup, "once per strategy: schedules, buffers, windows, groups (before the steps)", false},
      {stage::stage_in, "a sender copies a box out of offloaded trainer memory (H2D on a GPU)", false},
      {stage::contribute, "a trainer sends its pieces of a tensor to the rank that gathers it whole", false},
      {stage::gather, "a sender receives the pieces of a full tensor from the ranks that hold them", true},
      {stage::fuse, "a sender lays projections out as the engine's fused tensors", false},
      {stage::quantize, "a sender converts bf16 to fp8 in 128x128 blocks with their scales", false},
      {stage::encode, "a sender finds what changed since the last version and packs it as patches (delta updates)", false},
      {stage::pack, "a bucket owner copies the runs it cannot send in place into its buffer", false},
      {stage::collect, "gather's root receives a round of tensors from their owners", false},
      {stage::send, "two-sided sends (gather's root to each receiver, an owner to the root)", true},
      {stage::transfer, "one-sided writes of a chunk into the receivers' memory, until flushed", true},
      {stage::bcast, "a bucket's broadcast from its owner to every receiver", true},
      {stage::receive, "a receiver waits for a round of whole tensors", false},
      {stage::copy_out, "a receiver copies its slices out of whole tensors into its weights", false},
      {stage::commit, "the barrier after which the new version is complete everywhere", false},
      {stage::apply, "a receiver writes the patches that landed into its weights (delta updates; after the commit)", false},
      {stage::verify, "a receiver checks every byte (after the step, not timed)", false},
  };
  return table;
}

const StageInfo* find_stage(std::string_view name) {
  for (const StageInfo& s : stage_table())
    if (name == s.name) return &s;
  return nullptr;
}

bool is_wire_stage(std::string_view name) {
  const StageInfo* s = find_stage(name);
  return s != nullptr && s->wire;
}

}  // namespace wxfer
