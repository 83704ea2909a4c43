#include "layout/placement.hpp"

#include <string>

#include "common/error.hpp"

namespace wxfer {
namespace {

void require_divides(int64_t parts, int64_t extent, const std::string& what, const std::string& layout_text, const char* key) {
  if (extent % parts != 0)
    throw_usage("layout " + layout_text + ": " + key + "=" + std::to_string(parts) + " does not divide " + what + " (" +
                std::to_string(extent) + ")");
}

// The common checks: heads and experts must split evenly among tp / ep ranks. An inference
// engine may also hold each k/v head on several ranks when it has fewer heads than ranks.
void check_model_divisible(const ModelConfig& c, int32_t tp, int32_t ep, const std::string& text, bool replicate_kv_heads) {
  require_divides(tp, c.num_attention_heads, "num_attention_heads", text, "tp");
  const bool mla = c.q_lora_rank > 0 || c.kv_lora_rank > 0;
  if (!mla && replicate_kv_heads && tp > c.num_key_value_heads) {
    if (tp % c.num_key_value_heads != 0)
      throw_usage("layout " + text + ": num_key_value_heads (" + std::to_string(c.num_key_value_heads) +
                  ") does not divide tp=" + std::to_string(tp) + ", so its k/v heads cannot be replicated evenly");
  } else if (!mla) {
    require_divides(tp, c.num_key_value_heads, "num_key_value_heads", text, "tp");
  }
  require_divides(tp, c.vocab_size, "vocab_size", text, "tp");
  if (ep > 1) {
    if (c.n_routed_experts == 0)
      throw_usage("layout " + text + ": ep=" + std::to_string(ep) + " but the model has no routed experts");
    require_divides(ep, c.n_routed_experts, "n_routed_experts", text, "ep");
  }
}

void check_tensor_divisible(const Tensor& t, const Placement& p, const std::string& text, const char* key) {
  if (p.parts > 1) require_divides(p.parts, p.extent(t), t.name + (p.dim == Split::cols ? " dim 1" : " dim 0"), text, key);
}

}  // namespace

int32_t pipeline_stage(const Tensor& t, const ModelConfig& config, int32_t pp) {
  if (pp == 1) return 0;
  if (t.mtp) return pp - 1;
  if (t.layer < 0) return t.name.find("embed_tokens") != std::string::npos ? 0 : pp - 1;
  return static_cast<int32_t>(int64_t{t.layer} * pp / config.num_hidden_layers);
}

std::vector<Placement> place_trainer(const Model& model, const TrainerLayout& layout) {
  const auto& c = model.config;
  const std::string text = "'" + layout.to_string() + "'";
  std::vector<Placement> out(model.tensors.size());
  if (layout.fsdp > 0) {
    for (size_t i = 0; i < out.size(); ++i) {
      auto& p = out[i];
      p.dim = Split::rows;  // FSDP2 Shard(0): torch.chunk of dim 0, empty tails allowed
      p.parts = layout.fsdp;
      p.chunk = (model.tensors[i].rows + layout.fsdp - 1) / layout.fsdp;
      p.part_stride = 1;
    }
    return out;
  }
  check_model_divisible(c, layout.tp, layout.ep, text, false);
  if (layout.pp > c.num_hidden_layers)
    throw_usage("layout " + text + ": pp=" + std::to_string(layout.pp) + " exceeds num_hidden_layers (" +
                std::to_string(c.num_hidden_layers) + ")");
  const int32_t tp = layout.tp, ep = layout.ep;
  const int64_t experts_per_group = c.n_routed_experts > 0 ? c.n_routed_experts / ep : 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const Tensor& t = model.tensors[i];
    auto& p = out[i];
    const int32_t stage_base = pipeline_stage(t, c, layout.pp) * ep * tp;
    const bool split = t.split != Split::replicated && tp > 1;
    p.dim = split ? t.split : Split::replicated;
    p.parts = split ? tp : 1;
    p.chunk = split ? p.extent(t) / tp : p.extent(t);
    p.part_stride = 1;
    if (t.expert >= 0) {
      // A routed expert lives in one ep group only, cut by tp inside it.
      p.copies = 1;
      p.base = stage_base + static_cast<int32_t>(t.expert / experts_per_group) * tp;
    } else if (split) {
      p.copies = ep;  // ep groups replicate the dense weights
      p.copy_stride = tp;
      p.base = stage_base;
    } else {
      p.copies = ep * tp;
      p.copy_stride = 1;
      p.base = stage_base;
    }
    check_tensor_divisible(t, p, text, "tp");
  }
  return out;
}

std::vector<Placement> place_inference(const Model& model, const InferenceLayout& layout) {
  const auto& c = model.config;
  const std::string text = "'" + layout.to_string() + "'";
  check_model_divisible(c, layout.tp, layout.ep, text, true);
  const int32_t tp = layout.tp, ep = layout.ep;
  const int32_t expert_tp = tp / ep;
  const int64_t experts_per_group = c.n_routed_experts > 0 ? c.n_routed_experts / ep : 0;
  std::vector<Placement> out(model.tensors.size());
  for (size_t i = 0; i < out.size(); ++i) {
    const Tensor& t = model.tensors[i];
    auto& p = out[i];
    const int32_t cut = t.expert >= 0 ? expert_tp : tp;
    const bool split = t.split != Split::replicated && cut > 1;
    p.dim = split ? t.split : Split::replicated;
    p.parts = split ? cut : 1;
    p.chunk = split ? p.extent(t) / cut : p.extent(t);
    p.part_stride = 1;
    if (t.expert >= 0) {
      p.base = static_cast<int32_t>(t.expert / experts_per_group) * expert_tp;
      if (!split) {
        p.copies = expert_tp;  // an expert's uncut tensor (gpt-oss's down bias): on each rank of its group
        p.copy_stride = 1;
      }
    } else if (!split) {
      p.copies = tp;  // every rank of an engine holds its own copy
      p.copy_stride = 1;
    } else if (t.heads > 0 && t.heads < cut) {
      // Fewer k/v heads than ranks: head h lives on ranks h*r .. h*r + r-1 (r = cut / heads).
      p.parts = t.heads;
      p.chunk = t.rows / t.heads;
      p.copies = cut / t.heads;
      p.copy_stride = 1;
      p.part_stride = cut / t.heads;
    }
    check_tensor_divisible(t, p, text, "tp");
  }
  return out;
}

}  // namespace wxfer
