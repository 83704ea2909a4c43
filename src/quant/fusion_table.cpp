// Which Hugging Face tensors vLLM fuses, per architecture (vllm/model_executor/models/*.py
// `stacked_params_mapping` and FusedMoE's expert mapping).
#include <string>

#include "common/error.hpp"
#include "quant/fusion.hpp"

namespace wxfer::quant {
namespace {

const FusionRule kQkv{"self_attn.qkv_proj.weight",
                      {"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"},
                      FusedSplit::rows};
const FusionRule kQkvBias{
    "self_attn.qkv_proj.bias", {"self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"}, FusedSplit::rows};
const FusionRule kGateUp{"mlp.gate_up_proj.weight", {"mlp.gate_proj.weight", "mlp.up_proj.weight"}, FusedSplit::rows};
const FusionRule kSharedGateUp{"mlp.shared_experts.gate_up_proj.weight",
                               {"mlp.shared_experts.gate_proj.weight", "mlp.shared_experts.up_proj.weight"},
                               FusedSplit::rows};
const FusionRule kExpertW13{
    "mlp.experts.w13_weight", {"mlp.experts.{e}.gate_proj.weight", "mlp.experts.{e}.up_proj.weight"}, FusedSplit::rows};
const FusionRule kExpertW2{"mlp.experts.w2_weight", {"mlp.experts.{e}.down_proj.weight"}, FusedSplit::cols};
// MLA with a q LoRA: both down-projections read the hidden state, so vLLM runs them as one
// replicated GEMM.
const FusionRule kMlaQkvA{"self_attn.fused_qkv_a_proj.weight",
                          {"self_attn.q_a_proj.weight", "self_attn.kv_a_proj_with_mqa.weight"},
                          FusedSplit::replicated};

// Mixtral's experts are w1 (gate), w3 (up) and w2 (down) under block_sparse_moe.
const FusionRule kMixtralW13{"block_sparse_moe.experts.w13_weight",
                             {"block_sparse_moe.experts.{e}.w1.weight", "block_sparse_moe.experts.{e}.w3.weight"},
                             FusedSplit::rows};
const FusionRule kMixtralW2{"block_sparse_moe.experts.w2_weight", {"block_sparse_moe.experts.{e}.w2.weight"}, FusedSplit::cols};
// gpt-oss keeps gate and up interleaved in one tensor per expert; the engine stacks experts
// with their biases. The down bias is added once per token, so every rank holds it whole.
const FusionRule kGptOssW13{"mlp.experts.w13_weight", {"mlp.experts.{e}.gate_up_proj.weight"}, FusedSplit::rows};
const FusionRule kGptOssW13Bias{"mlp.experts.w13_bias", {"mlp.experts.{e}.gate_up_proj.bias"}, FusedSplit::rows};
const FusionRule kGptOssW2{"mlp.experts.w2_weight", {"mlp.experts.{e}.down_proj.weight"}, FusedSplit::cols};
const FusionRule kGptOssW2Bias{"mlp.experts.w2_bias", {"mlp.experts.{e}.down_proj.bias"}, FusedSplit::replicated};
// Qwen3-Next has one shared expert (singular).
const FusionRule kSharedExpertGateUp{"mlp.shared_expert.gate_up_proj.weight",
                                     {"mlp.shared_expert.gate_proj.weight", "mlp.shared_expert.up_proj.weight"},
                                     FusedSplit::rows};

}  // namespace

const std::vector<ArchitectureFusion>& fusion_table() {
  static const std::vector<ArchitectureFusion> table = {
      {"LlamaForCausalLM", {kQkv, kGateUp}},
      {"MistralForCausalLM", {kQkv, kGateUp}},
      {"Qwen2ForCausalLM", {kQkv, kQkvBias, kGateUp}},
      {"Qwen3ForCausalLM", {kQkv, kGateUp}},
      {"Qwen3MoeForCausalLM", {kQkv, kGateUp, kExpertW13, kExpertW2}},
      {"DeepseekV3ForCausalLM", {kMlaQkvA, kGateUp, kSharedGateUp, kExpertW13, kExpertW2}},
      {"DeepseekV32ForCausalLM", {kMlaQkvA, kGateUp, kSharedGateUp, kExpertW13, kExpertW2}},
      {"Glm4MoeForCausalLM", {kQkv, kQkvBias, kGateUp, kSharedGateUp, kExpertW13, kExpertW2}},
      {"MixtralForCausalLM", {kQkv, kMixtralW13, kMixtralW2}},
      {"GptOssForCausalLM", {kQkv, kQkvBias, kGptOssW13, kGptOssW13Bias, kGptOssW2, kGptOssW2Bias}},
      {"Qwen3NextForCausalLM", {kQkv, kSharedExpertGateUp, kExpertW13, kExpertW2}},
  };
  return table;
}

const std::vector<FusionRule>& fusion_rules(std::string_view architecture) {
  std::string known;
  for (const auto& a : fusion_table()) {
    if (a.architecture == architecture) return a.rules;
    known += (known.empty() ? "" : ", ") + std::string(a.architecture);
  }
  throw_usage("no fusion rules for architecture '" + std::string(architecture) + "' (known: " + known + ")");
}

}  // namespace wxfer::quant
