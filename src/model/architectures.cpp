// The architecture families wxfer knows, one builder each, in one registry table.
#include <algorithm>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "model/inventory.hpp"

namespace wxfer {
namespace {

constexpr int64_t kVector = 0;  // cols == 0: a 1-D tensor

std::string layer_prefix(int64_t layer) { return "model.layers." + std::to_string(layer) + "."; }

void add_embedding_and_head_start(const ModelConfig& c, std::vector<Tensor>& out) {
  add_tensor(out, "model.embed_tokens.weight", c.vocab_size, c.hidden_size, Split::rows, false);
}

void add_final_norm_and_head(const ModelConfig& c, std::vector<Tensor>& out) {
  add_tensor(out, "model.norm.weight", c.hidden_size, kVector, Split::replicated, false);
  if (!c.tie_word_embeddings) add_tensor(out, "lm_head.weight", c.vocab_size, c.hidden_size, Split::rows, false);
}

// gate/up column-parallel, down row-parallel; `expert` marks routed experts.
void add_mlp(std::vector<Tensor>& out, const std::string& prefix, int64_t hidden, int64_t inter, int32_t layer, int32_t expert) {
  add_tensor(out, prefix + "gate_proj.weight", inter, hidden, Split::rows, true, layer, expert);
  add_tensor(out, prefix + "up_proj.weight", inter, hidden, Split::rows, true, layer, expert);
  add_tensor(out, prefix + "down_proj.weight", hidden, inter, Split::cols, true, layer, expert);
}

// Grouped-query attention with q/k/v/o projections (Llama, Qwen).
void add_gqa_attention(const ModelConfig& c, std::vector<Tensor>& out, const std::string& p, int32_t layer, bool qkv_bias,
                       bool qk_norm) {
  const int64_t q = c.num_attention_heads * c.head_dim;
  const int64_t kv = c.num_key_value_heads * c.head_dim;
  add_tensor(out, p + "self_attn.q_proj.weight", q, c.hidden_size, Split::rows, true, layer);
  if (qkv_bias) add_tensor(out, p + "self_attn.q_proj.bias", q, kVector, Split::rows, false, layer);
  add_tensor(out, p + "self_attn.k_proj.weight", kv, c.hidden_size, Split::rows, true, layer);
  if (qkv_bias) add_tensor(out, p + "self_attn.k_proj.bias", kv, kVector, Split::rows, false, layer);
  add_tensor(out, p + "self_attn.v_proj.weight", kv, c.hidden_size, Split::rows, true, layer);
  if (qkv_bias) add_tensor(out, p + "self_attn.v_proj.bias", kv, kVector, Split::rows, false, layer);
  add_tensor(out, p + "self_attn.o_proj.weight", c.hidden_size, q, Split::cols, true, layer);
  if (c.attention_bias) add_tensor(out, p + "self_attn.o_proj.bias", c.hidden_size, kVector, Split::replicated, false, layer);
  if (qk_norm) {
    add_tensor(out, p + "self_attn.q_norm.weight", c.head_dim, kVector, Split::replicated, false, layer);
    add_tensor(out, p + "self_attn.k_norm.weight", c.head_dim, kVector, Split::replicated, false, layer);
  }
}

void add_layer_norms(const ModelConfig& c, std::vector<Tensor>& out, const std::string& p, int32_t layer) {
  add_tensor(out, p + "input_layernorm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
  add_tensor(out, p + "post_attention_layernorm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
}

void build_llama_like(const ModelConfig& c, std::vector<Tensor>& out, bool qkv_bias, bool qk_norm) {
  add_embedding_and_head_start(c, out);
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const auto p = layer_prefix(l);
    const auto layer = static_cast<int32_t>(l);
    add_layer_norms(c, out, p, layer);
    add_gqa_attention(c, out, p, layer, qkv_bias, qk_norm);
    add_mlp(out, p + "mlp.", c.hidden_size, c.intermediate_size, layer, -1);
  }
  add_final_norm_and_head(c, out);
}

void build_llama(const ModelConfig& c, std::vector<Tensor>& out) { build_llama_like(c, out, c.attention_bias, false); }
void build_qwen2(const ModelConfig& c, std::vector<Tensor>& out) { build_llama_like(c, out, true, false); }
void build_qwen3(const ModelConfig& c, std::vector<Tensor>& out) { build_llama_like(c, out, c.attention_bias, true); }

void add_routed_experts(const ModelConfig& c, std::vector<Tensor>& out, const std::string& p, int32_t layer) {
  for (int64_t e = 0; e < c.n_routed_experts; ++e)
    add_mlp(out, p + "mlp.experts." + std::to_string(e) + ".", c.hidden_size, c.moe_intermediate_size, layer,
            static_cast<int32_t>(e));
}

void build_qwen3_moe(const ModelConfig& c, std::vector<Tensor>& out) {
  if (c.n_routed_experts == 0) throw_usage("model config: field 'num_experts' is missing for Qwen3MoeForCausalLM");
  add_embedding_and_head_start(c, out);
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const auto p = layer_prefix(l);
    const auto layer = static_cast<int32_t>(l);
    add_layer_norms(c, out, p, layer);
    add_gqa_attention(c, out, p, layer, c.attention_bias, true);
    const bool dense = std::find(c.mlp_only_layers.begin(), c.mlp_only_layers.end(), l) != c.mlp_only_layers.end() ||
                       (l + 1) % c.decoder_sparse_step != 0;
    if (dense) {
      add_mlp(out, p + "mlp.", c.hidden_size, c.intermediate_size, layer, -1);
      continue;
    }
    add_tensor(out, p + "mlp.gate.weight", c.n_routed_experts, c.hidden_size, Split::replicated, false, layer);
    add_routed_experts(c, out, p, layer);
  }
  add_final_norm_and_head(c, out);
}

// Multi-head latent attention (DeepSeek-V2/V3, Kimi-K2).
void add_mla_attention(const ModelConfig& c, std::vector<Tensor>& out, const std::string& p, int32_t layer,
                       bool stored_inv_freq) {
  const int64_t qk_head = c.qk_nope_head_dim + c.qk_rope_head_dim;
  const int64_t heads = c.num_attention_heads;
  if (c.q_lora_rank > 0) {
    add_tensor(out, p + "self_attn.q_a_proj.weight", c.q_lora_rank, c.hidden_size, Split::rows, true, layer);
    add_tensor(out, p + "self_attn.q_a_layernorm.weight", c.q_lora_rank, kVector, Split::replicated, false, layer);
    add_tensor(out, p + "self_attn.q_b_proj.weight", heads * qk_head, c.q_lora_rank, Split::rows, true, layer);
  } else {
    add_tensor(out, p + "self_attn.q_proj.weight", heads * qk_head, c.hidden_size, Split::rows, true, layer);
  }
  add_tensor(out, p + "self_attn.kv_a_proj_with_mqa.weight", c.kv_lora_rank + c.qk_rope_head_dim, c.hidden_size, Split::rows,
             true, layer);
  add_tensor(out, p + "self_attn.kv_a_layernorm.weight", c.kv_lora_rank, kVector, Split::replicated, false, layer);
  add_tensor(out, p + "self_attn.kv_b_proj.weight", heads * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank, Split::rows,
             true, layer);
  add_tensor(out, p + "self_attn.o_proj.weight", c.hidden_size, heads * c.v_head_dim, Split::cols, true, layer);
  if (stored_inv_freq) {
    // Kimi-K2's checkpoint stores the rotary buffer with 56 entries (hidden_size / 128),
    // bf16, as published; it is a buffer, so a trainer never sends it.
    auto& inv =
        add_tensor(out, p + "self_attn.rotary_emb.inv_freq", c.hidden_size / kFp8Block, kVector, Split::replicated, false, layer);
    inv.buffer = true;
  }
}

void add_deepseek_layer(const ModelConfig& c, std::vector<Tensor>& out, int64_t l, bool stored_inv_freq) {
  const auto p = layer_prefix(l);
  const auto layer = static_cast<int32_t>(l);
  add_layer_norms(c, out, p, layer);
  add_mla_attention(c, out, p, layer, stored_inv_freq);
  const bool dense = l < c.first_k_dense_replace || (l % c.moe_layer_freq) != 0 || c.n_routed_experts == 0;
  if (dense) {
    add_mlp(out, p + "mlp.", c.hidden_size, c.intermediate_size, layer, -1);
    return;
  }
  add_tensor(out, p + "mlp.gate.weight", c.n_routed_experts, c.hidden_size, Split::replicated, false, layer);
  if (c.router_bias) {
    auto& bias =
        add_tensor(out, p + "mlp.gate.e_score_correction_bias", c.n_routed_experts, kVector, Split::replicated, false, layer);
    bias.dtype = DType::f32;  // kept in float32 by the model code and the checkpoint
  }
  add_routed_experts(c, out, p, layer);
  if (c.n_shared_experts > 0)
    add_mlp(out, p + "mlp.shared_experts.", c.hidden_size, c.moe_intermediate_size * c.n_shared_experts, layer, -1);
}

void build_deepseek_v3(const ModelConfig& c, std::vector<Tensor>& out) {
  const std::pair<const char*, int64_t> required[] = {{"kv_lora_rank", c.kv_lora_rank},
                                                      {"qk_nope_head_dim", c.qk_nope_head_dim},
                                                      {"qk_rope_head_dim", c.qk_rope_head_dim},
                                                      {"v_head_dim", c.v_head_dim}};
  for (const auto& [field, value] : required)
    if (value <= 0)
      throw_usage(std::string("model config: field '") + field + "' is missing or not positive for " + c.architecture);
  const bool stored_inv_freq = c.model_type == "kimi_k2";
  add_embedding_and_head_start(c, out);
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) add_deepseek_layer(c, out, l, stored_inv_freq);
  add_final_norm_and_head(c, out);
  // MTP modules follow the main model as extra decoder layers with their own embedding,
  // projection and head (DeepSeek-V3 `model.layers.61`).
  for (int64_t m = 0; m < c.num_nextn_predict_layers; ++m) {
    const int64_t l = c.num_hidden_layers + m;
    const auto first = out.size();
    const auto p = layer_prefix(l);
    const auto layer = static_cast<int32_t>(l);
    add_tensor(out, p + "embed_tokens.weight", c.vocab_size, c.hidden_size, Split::rows, false, layer);
    add_tensor(out, p + "enorm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
    add_tensor(out, p + "hnorm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
    add_tensor(out, p + "eh_proj.weight", c.hidden_size, 2 * c.hidden_size, Split::rows, true, layer);
    add_deepseek_layer(c, out, l, stored_inv_freq);
    add_tensor(out, p + "shared_head.norm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
    add_tensor(out, p + "shared_head.head.weight", c.vocab_size, c.hidden_size, Split::rows, false, layer);
    for (auto i = first; i < out.size(); ++i) out[i].mtp = true;
  }
}

}  // namespace

const std::vector<ArchitectureEntry>& architectures() {
  static const std::vector<ArchitectureEntry> table = {
      {"LlamaForCausalLM", "dense, grouped-query attention", build_llama},
      {"MistralForCausalLM", "dense, grouped-query attention (Llama layout)", build_llama},
      {"Qwen2ForCausalLM", "dense, GQA with q/k/v bias", build_qwen2},
      {"Qwen3ForCausalLM", "dense, GQA with q/k norms", build_qwen3},
      {"Qwen3MoeForCausalLM", "GQA with q/k norms, routed experts", build_qwen3_moe},
      {"DeepseekV3ForCausalLM", "MLA, shared + routed experts, dense first layers, MTP (DeepSeek-V3, Kimi-K2)",
       build_deepseek_v3},
  };
  return table;
}

}  // namespace wxfer
