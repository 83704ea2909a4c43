// Projection fusion by placement: the pieces of a tensor the inference engine fuses
// (q/k/v -> qkv_proj, gate/up -> gate_up_proj, experts -> w13 / w2, per architecture:
// quant/fusion_table.cpp) are laid out next to each other in every inference rank's memory,
// in fusion order, so each rank's shard of the fused tensor is one contiguous region. The
// senders write each piece's rows where they belong in it: fusing costs no copy.
#include <map>
#include <string>

#include "common/error.hpp"
#include "plan/plan.hpp"
#include "quant/fusion.hpp"

namespace wxfer {
namespace {

std::string replace_expert(std::string_view pattern, int32_t expert) {
  std::string out(pattern);
  const auto at = out.find("{e}");
  if (at != std::string::npos) out.replace(at, 3, std::to_string(expert));
  return out;
}

// "x.weight" -> "x.weight_scale_inv" (fp8) or "x.weight_scale" (MXFP4, as vLLM names it),
// "w13_weight" -> "w13_weight_scale_inv" or "w13_weight_scale".
std::string scale_name(const std::string& weight, Conversion scale) {
  WXFER_ASSERT(weight.ends_with("weight"));
  return weight + (scale == Conversion::mxfp4_scale ? "_scale" : "_scale_inv");
}

}  // namespace

void Plan::group_fused_pieces() {
  memory_order_.resize(dest_.size());
  for (uint32_t i = 0; i < dest_.size(); ++i) memory_order_[i] = i;
  if (!options_.fuse_projections) return;
  std::map<std::string, uint32_t> by_name;
  for (uint32_t i = 0; i < dest_.size(); ++i) by_name[dest_model_.tensors[i].name] = i;
  const auto& rules = quant::fusion_rules(trainer_model_.config.architecture);
  std::vector<int32_t> group_of(dest_.size(), -1);
  auto add_group = [&](std::string name, const std::vector<uint32_t>& pieces) {
    for (uint32_t t : pieces)
      if (group_of[t] >= 0) return;  // a tensor belongs to one fused tensor at most
    for (uint32_t t : pieces) group_of[t] = static_cast<int32_t>(fusion_groups_.size());
    fusion_groups_.push_back({std::move(name), pieces});
  };
  const int64_t experts = std::max<int64_t>(trainer_model_.config.n_routed_experts, 0);
  // Decoder layers: the main ones and DeepSeek-style MTP layers after them, and MTP layers
  // kept under their own prefix (Qwen3-Next's "mtp.layers.<m>.").
  std::vector<std::string> prefixes;
  for (int64_t layer = 0; layer < trainer_model_.config.num_hidden_layers + trainer_model_.config.num_nextn_predict_layers;
       ++layer)
    prefixes.push_back("model.layers." + std::to_string(layer) + ".");
  for (const auto& t : trainer_model_.tensors)
    if (t.mtp && t.name.starts_with("mtp.layers.")) {
      const std::string prefix = t.name.substr(0, t.name.find('.', std::string_view("mtp.layers.").size()) + 1);
      if (prefixes.back() != prefix) prefixes.push_back(prefix);
    }
  for (const auto& prefix : prefixes) {
    for (const auto& rule : rules) {
      const bool per_expert = rule.pieces.front().find("{e}") != std::string_view::npos;
      std::vector<uint32_t> pieces;
      bool complete = true;
      for (int64_t e = 0; e < (per_expert ? experts : 1) && complete; ++e)
        for (const auto& piece : rule.pieces) {
          const auto it = by_name.find(prefix + replace_expert(piece, static_cast<int32_t>(e)));
          if (it == by_name.end()) {
            complete = false;
            break;
          }
          pieces.push_back(it->second);
        }
      if (!complete || pieces.empty()) continue;
      // The engine's split must be the one the pieces are placed with, or the shard differs.
      bool same_split = true;
      for (uint32_t t : pieces) {
        const Placement& p = dest_placement(t);
        const bool whole = p.parts == 1;
        same_split = same_split && (rule.split == quant::FusedSplit::replicated ? whole
                                    : rule.split == quant::FusedSplit::rows     ? whole || p.dim == Split::rows
                                                                                : whole || p.dim == Split::cols);
      }
      if (!same_split) continue;
      // fp8: the weights fuse, and their scale grids fuse the same way.
      std::vector<uint32_t> scales;
      for (uint32_t t : pieces)
        if (t + 1 < dest_.size() && is_scale(dest_[t + 1].conversion) && dest_[t + 1].source == dest_[t].source)
          scales.push_back(t + 1);
      add_group(prefix + std::string(rule.fused), pieces);
      if (scales.size() == pieces.size())
        add_group(scale_name(prefix + std::string(rule.fused), dest_[scales.front()].conversion), scales);
    }
  }
  // Memory order: a fused tensor's pieces where its first piece was, in fusion order.
  memory_order_.clear();
  std::vector<bool> placed(dest_.size(), false);
  for (uint32_t i = 0; i < dest_.size(); ++i) {
    if (placed[i]) continue;
    if (group_of[i] < 0) {
      memory_order_.push_back(i);
      placed[i] = true;
      continue;
    }
    for (uint32_t t : fusion_groups_[static_cast<size_t>(group_of[i])].pieces) {
      memory_order_.push_back(t);
      placed[t] = true;
    }
  }
  WXFER_ASSERT(memory_order_.size() == dest_.size());
}

std::vector<FusedTensor> Plan::fused_tensors(int32_t rank) const {
  std::vector<std::vector<uint32_t>> held(dest_.size());
  for (uint32_t si : slices_of(rank)) held[slices_[si].tensor].push_back(si);
  std::vector<FusedTensor> out;
  for (const auto& g : fusion_groups_) {
    FusedTensor f;
    f.name = g.name;
    f.pieces = g.pieces;
    f.dtype = dest_model_.tensors[g.pieces.front()].dtype;
    bool whole = true;
    uint64_t next = UINT64_MAX;
    for (uint32_t t : g.pieces) {
      // A piece this rank does not hold (experts on other ranks) is not part of its shard.
      if (held[t].empty()) continue;
      const Slice& s = slices_[held[t].front()];
      const uint64_t at = local_offset(t, rank);
      if (next == UINT64_MAX) f.offset = at;
      whole = whole && (next == UINT64_MAX || at == next) && (f.cols == 0 || f.cols == s.cols.size());
      f.rows += s.rows.size();
      f.cols = s.cols.size();
      f.bytes += s.bytes;
      next = at + s.bytes;
    }
    // A scale grid fuses only where every piece's rows end on a block boundary (the engine
    // requires it too); otherwise the pieces keep their own names.
    if (dest_[g.pieces.front()].conversion == Conversion::fp8_scale)
      for (size_t k = 0; k + 1 < g.pieces.size(); ++k) {
        const auto& weight = held[g.pieces[k] - 1];  // the scale's weight sits just before it
        if (!weight.empty() && slices_[weight.front()].rows.size() % kFp8Block != 0) whole = false;
      }
    if (whole && f.bytes > 0) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace wxfer
