// The architecture families wxfer knows, one builder each, in one registry table.
#include <algorithm>
#include <functional>
#include <initializer_list>
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

struct GqaOptions {
  bool qkv_bias = false;
  bool o_bias = false;
  bool qk_norm = false;
  int64_t q_rows_per_head = 0;  // 0: head_dim; Qwen3-Next's gated q_proj holds query and gate
};

// Grouped-query attention with q/k/v/o projections (Llama, Qwen, Mixtral, GLM, gpt-oss).
void add_gqa_attention(const ModelConfig& c, std::vector<Tensor>& out, const std::string& p, int32_t layer, GqaOptions o) {
  const int64_t q = c.num_attention_heads * c.head_dim;
  const int64_t q_rows = c.num_attention_heads * (o.q_rows_per_head > 0 ? o.q_rows_per_head : c.head_dim);
  const int64_t kv = c.num_key_value_heads * c.head_dim;
  const auto kv_heads = static_cast<int32_t>(c.num_key_value_heads);
  add_tensor(out, p + "self_attn.q_proj.weight", q_rows, c.hidden_size, Split::rows, true, layer);
  if (o.qkv_bias) add_tensor(out, p + "self_attn.q_proj.bias", q_rows, kVector, Split::rows, false, layer);
  add_tensor(out, p + "self_attn.k_proj.weight", kv, c.hidden_size, Split::rows, true, layer).heads = kv_heads;
  if (o.qkv_bias) add_tensor(out, p + "self_attn.k_proj.bias", kv, kVector, Split::rows, false, layer).heads = kv_heads;
  add_tensor(out, p + "self_attn.v_proj.weight", kv, c.hidden_size, Split::rows, true, layer).heads = kv_heads;
  if (o.qkv_bias) add_tensor(out, p + "self_attn.v_proj.bias", kv, kVector, Split::rows, false, layer).heads = kv_heads;
  add_tensor(out, p + "self_attn.o_proj.weight", c.hidden_size, q, Split::cols, true, layer);
  if (o.o_bias) add_tensor(out, p + "self_attn.o_proj.bias", c.hidden_size, kVector, Split::replicated, false, layer);
  if (o.qk_norm) {
    add_tensor(out, p + "self_attn.q_norm.weight", c.head_dim, kVector, Split::replicated, false, layer);
    add_tensor(out, p + "self_attn.k_norm.weight", c.head_dim, kVector, Split::replicated, false, layer);
  }
}

void add_layer_norms(const ModelConfig& c, std::vector<Tensor>& out, const std::string& p, int32_t layer) {
  add_tensor(out, p + "input_layernorm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
  add_tensor(out, p + "post_attention_layernorm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
}

void build_llama_like(const ModelConfig& c, std::vector<Tensor>& out, GqaOptions attention) {
  add_embedding_and_head_start(c, out);
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const auto p = layer_prefix(l);
    const auto layer = static_cast<int32_t>(l);
    add_layer_norms(c, out, p, layer);
    add_gqa_attention(c, out, p, layer, attention);
    add_mlp(out, p + "mlp.", c.hidden_size, c.intermediate_size, layer, -1);
  }
  add_final_norm_and_head(c, out);
}

// Llama's attention_bias covers all four projections; Qwen2 always has q/k/v bias and none on o.
void build_llama(const ModelConfig& c, std::vector<Tensor>& out) {
  build_llama_like(c, out, {.qkv_bias = c.attention_bias, .o_bias = c.attention_bias});
}
void build_qwen2(const ModelConfig& c, std::vector<Tensor>& out) { build_llama_like(c, out, {.qkv_bias = true}); }
void build_qwen3(const ModelConfig& c, std::vector<Tensor>& out) {
  build_llama_like(c, out, {.qkv_bias = c.attention_bias, .o_bias = c.attention_bias, .qk_norm = true});
}

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
    add_gqa_attention(c, out, p, layer, {.qkv_bias = c.attention_bias, .o_bias = c.attention_bias, .qk_norm = true});
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

// Multi-head latent attention (DeepSeek-V2/V3, Kimi-K2). The two down-projections from the
// hidden state (q_a_proj, kv_a_proj_with_mqa) are replicated in vLLM, SGLang and Megatron
// (one fused_qkv_a_proj GEMM in the engines): every rank holds them whole.
void add_mla_attention(const ModelConfig& c, std::vector<Tensor>& out, const std::string& p, int32_t layer,
                       bool stored_inv_freq) {
  const int64_t qk_head = c.qk_nope_head_dim + c.qk_rope_head_dim;
  const int64_t heads = c.num_attention_heads;
  if (c.q_lora_rank > 0) {
    add_tensor(out, p + "self_attn.q_a_proj.weight", c.q_lora_rank, c.hidden_size, Split::replicated, true, layer);
    add_tensor(out, p + "self_attn.q_a_layernorm.weight", c.q_lora_rank, kVector, Split::replicated, false, layer);
    add_tensor(out, p + "self_attn.q_b_proj.weight", heads * qk_head, c.q_lora_rank, Split::rows, true, layer);
  } else {
    add_tensor(out, p + "self_attn.q_proj.weight", heads * qk_head, c.hidden_size, Split::rows, true, layer);
  }
  add_tensor(out, p + "self_attn.kv_a_proj_with_mqa.weight", c.kv_lora_rank + c.qk_rope_head_dim, c.hidden_size,
             Split::replicated, true, layer);
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

// Adds the attention block of one decoder layer (prefix "model.layers.<l>.").
using AttentionBuilder = std::function<void(const std::string& prefix, int32_t layer)>;

// A DeepSeek-style MoE layer: dense for the first layers, else a sigmoid router (with its
// float32 correction bias under noaux_tc), routed experts and shared experts.
void add_deepseek_moe_layer(const ModelConfig& c, std::vector<Tensor>& out, int64_t l, const AttentionBuilder& attention) {
  const auto p = layer_prefix(l);
  const auto layer = static_cast<int32_t>(l);
  add_layer_norms(c, out, p, layer);
  attention(p, layer);
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

// DeepSeek-V3's MTP modules follow the main model as extra decoder layers with their own
// embedding, projection and head (`model.layers.61`); GLM-4.5 keeps the same names.
void add_deepseek_mtp_layers(const ModelConfig& c, std::vector<Tensor>& out, const AttentionBuilder& attention) {
  for (int64_t m = 0; m < c.num_nextn_predict_layers; ++m) {
    const int64_t l = c.num_hidden_layers + m;
    const auto first = out.size();
    const auto p = layer_prefix(l);
    const auto layer = static_cast<int32_t>(l);
    add_tensor(out, p + "embed_tokens.weight", c.vocab_size, c.hidden_size, Split::rows, false, layer);
    add_tensor(out, p + "enorm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
    add_tensor(out, p + "hnorm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
    // A plain nn.Linear in vLLM and SGLang, so bf16 even in the FP8 checkpoints.
    add_tensor(out, p + "eh_proj.weight", c.hidden_size, 2 * c.hidden_size, Split::rows, false, layer);
    add_deepseek_moe_layer(c, out, l, attention);
    add_tensor(out, p + "shared_head.norm.weight", c.hidden_size, kVector, Split::replicated, false, layer);
    add_tensor(out, p + "shared_head.head.weight", c.vocab_size, c.hidden_size, Split::rows, false, layer);
    for (auto i = first; i < out.size(); ++i) out[i].mtp = true;
  }
}

void require_fields(const ModelConfig& c, std::initializer_list<std::pair<const char*, int64_t>> fields) {
  for (const auto& [field, value] : fields)
    if (value <= 0)
      throw_usage(std::string("model config: field '") + field + "' is missing or not positive for " + c.architecture);
}

void build_deepseek(const ModelConfig& c, std::vector<Tensor>& out, bool indexer) {
  require_fields(c, {{"kv_lora_rank", c.kv_lora_rank},
                     {"qk_nope_head_dim", c.qk_nope_head_dim},
                     {"qk_rope_head_dim", c.qk_rope_head_dim},
                     {"v_head_dim", c.v_head_dim}});
  if (indexer) require_fields(c, {{"index_n_heads", c.index_n_heads}, {"index_head_dim", c.index_head_dim}});
  const bool stored_inv_freq = c.model_type == "kimi_k2";
  const AttentionBuilder attention = [&](const std::string& p, int32_t layer) {
    add_mla_attention(c, out, p, layer, stored_inv_freq);
    if (!indexer) return;
    // DeepSeek sparse attention's lightning indexer: vLLM holds it whole on every rank
    // (replicated linears and a LayerNorm with bias); weights_proj stays bf16 in the FP8
    // checkpoint.
    const std::string i = p + "self_attn.indexer.";
    add_tensor(out, i + "wq_b.weight", c.index_n_heads * c.index_head_dim, c.q_lora_rank, Split::replicated, true, layer);
    add_tensor(out, i + "wk.weight", c.index_head_dim, c.hidden_size, Split::replicated, true, layer);
    add_tensor(out, i + "k_norm.weight", c.index_head_dim, kVector, Split::replicated, false, layer);
    add_tensor(out, i + "k_norm.bias", c.index_head_dim, kVector, Split::replicated, false, layer);
    add_tensor(out, i + "weights_proj.weight", c.index_n_heads, c.hidden_size, Split::replicated, false, layer);
  };
  add_embedding_and_head_start(c, out);
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) add_deepseek_moe_layer(c, out, l, attention);
  add_final_norm_and_head(c, out);
  add_deepseek_mtp_layers(c, out, attention);
}

void build_deepseek_v3(const ModelConfig& c, std::vector<Tensor>& out) { build_deepseek(c, out, false); }
void build_deepseek_v32(const ModelConfig& c, std::vector<Tensor>& out) { build_deepseek(c, out, true); }

// GLM-4.5/4.6: GQA with q/k/v bias (and q/k norms where use_qk_norm), DeepSeek-style MoE
// with a noaux_tc router, and DeepSeek-style MTP layers.
void build_glm4_moe(const ModelConfig& c, std::vector<Tensor>& out) {
  ModelConfig moe = c;
  moe.router_bias = true;  // GLM-4.5's router always has e_score_correction_bias
  const AttentionBuilder attention = [&](const std::string& p, int32_t layer) {
    add_gqa_attention(c, out, p, layer, {.qkv_bias = c.attention_bias, .qk_norm = c.qk_norm});
  };
  add_embedding_and_head_start(c, out);
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) add_deepseek_moe_layer(moe, out, l, attention);
  add_final_norm_and_head(c, out);
  add_deepseek_mtp_layers(moe, out, attention);
}

// Mixtral: Llama attention, a softmax router and eight w1/w2/w3 experts per layer.
void build_mixtral(const ModelConfig& c, std::vector<Tensor>& out) {
  require_fields(c, {{"num_local_experts", c.n_routed_experts}});
  add_embedding_and_head_start(c, out);
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const auto p = layer_prefix(l);
    const auto layer = static_cast<int32_t>(l);
    add_layer_norms(c, out, p, layer);
    add_gqa_attention(c, out, p, layer, {});
    const std::string moe = p + "block_sparse_moe.";
    add_tensor(out, moe + "gate.weight", c.n_routed_experts, c.hidden_size, Split::replicated, false, layer);
    for (int64_t e = 0; e < c.n_routed_experts; ++e) {
      const std::string x = moe + "experts." + std::to_string(e) + ".";
      const auto expert = static_cast<int32_t>(e);
      add_tensor(out, x + "w1.weight", c.moe_intermediate_size, c.hidden_size, Split::rows, true, layer, expert);
      add_tensor(out, x + "w2.weight", c.hidden_size, c.moe_intermediate_size, Split::cols, true, layer, expert);
      add_tensor(out, x + "w3.weight", c.moe_intermediate_size, c.hidden_size, Split::rows, true, layer, expert);
    }
  }
  add_final_norm_and_head(c, out);
}

// gpt-oss: GQA with biases on all four projections and one learned attention sink per
// head; a biased router; experts with biases and gate/up rows interleaved (gate, up, gate,
// ...). Each routed expert is one slab [out, in] here, as Megatron holds it; the MXFP4
// checkpoint stacks them per layer (inventory.cpp).
void build_gpt_oss(const ModelConfig& c, std::vector<Tensor>& out) {
  require_fields(c, {{"num_local_experts", c.n_routed_experts}});
  add_embedding_and_head_start(c, out);
  const int64_t inter = c.moe_intermediate_size;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const auto p = layer_prefix(l);
    const auto layer = static_cast<int32_t>(l);
    add_layer_norms(c, out, p, layer);
    add_gqa_attention(c, out, p, layer, {.qkv_bias = true, .o_bias = true});
    add_tensor(out, p + "self_attn.sinks", c.num_attention_heads, kVector, Split::rows, false, layer);
    add_tensor(out, p + "mlp.router.weight", c.n_routed_experts, c.hidden_size, Split::replicated, false, layer);
    add_tensor(out, p + "mlp.router.bias", c.n_routed_experts, kVector, Split::replicated, false, layer);
    for (int64_t e = 0; e < c.n_routed_experts; ++e) {
      const std::string x = p + "mlp.experts." + std::to_string(e) + ".";
      const auto expert = static_cast<int32_t>(e);
      add_tensor(out, x + "gate_up_proj.weight", 2 * inter, c.hidden_size, Split::rows, true, layer, expert);
      add_tensor(out, x + "gate_up_proj.bias", 2 * inter, kVector, Split::rows, false, layer, expert);
      add_tensor(out, x + "down_proj.weight", c.hidden_size, inter, Split::cols, true, layer, expert);
      add_tensor(out, x + "down_proj.bias", c.hidden_size, kVector, Split::replicated, false, layer, expert);
    }
  }
  add_final_norm_and_head(c, out);
}

// Qwen3-Next's MoE block: softmax router, routed experts, one shared expert behind a
// sigmoid gate.
void add_qwen3_next_moe(const ModelConfig& c, std::vector<Tensor>& out, const std::string& p, int32_t layer) {
  add_tensor(out, p + "mlp.gate.weight", c.n_routed_experts, c.hidden_size, Split::replicated, false, layer);
  add_routed_experts(c, out, p, layer);
  add_mlp(out, p + "mlp.shared_expert.", c.hidden_size, c.shared_expert_intermediate_size, layer, -1);
  add_tensor(out, p + "mlp.shared_expert_gate.weight", 1, c.hidden_size, Split::replicated, false, layer);
}

// Gated DeltaNet. in_proj_qkvz and in_proj_ba are grouped by key head, so a contiguous row
// cut gives each rank whole head groups, as vLLM shards them. The short convolution's
// channels are q, k and v back to back; vLLM cuts each of the three, wxfer sends the whole
// (small) tensor to every rank instead.
void add_gated_deltanet(const ModelConfig& c, std::vector<Tensor>& out, const std::string& p, int32_t layer) {
  const int64_t key_dim = c.linear_num_key_heads * c.linear_key_head_dim;
  const int64_t value_dim = c.linear_num_value_heads * c.linear_value_head_dim;
  const std::string a = p + "linear_attn.";
  add_tensor(out, a + "in_proj_qkvz.weight", 2 * key_dim + 2 * value_dim, c.hidden_size, Split::rows, true, layer);
  add_tensor(out, a + "in_proj_ba.weight", 2 * c.linear_num_value_heads, c.hidden_size, Split::rows, true, layer);
  auto& conv =
      add_tensor(out, a + "conv1d.weight", 2 * key_dim + value_dim, c.linear_conv_kernel_dim, Split::replicated, false, layer);
  conv.shape = {conv.rows, 1, c.linear_conv_kernel_dim};
  add_tensor(out, a + "dt_bias", c.linear_num_value_heads, kVector, Split::rows, false, layer);
  add_tensor(out, a + "A_log", c.linear_num_value_heads, kVector, Split::rows, false, layer);
  add_tensor(out, a + "norm.weight", c.linear_value_head_dim, kVector, Split::replicated, false, layer);
  add_tensor(out, a + "out_proj.weight", c.hidden_size, value_dim, Split::cols, true, layer);
}

// Qwen3-Next: gated DeltaNet layers with gated full attention every
// full_attention_interval-th layer (its q_proj holds query and gate per head), MoE in every
// layer, and one MTP layer stored under "mtp.".
void build_qwen3_next(const ModelConfig& c, std::vector<Tensor>& out) {
  require_fields(c, {{"full_attention_interval", c.full_attention_interval},
                     {"linear_num_key_heads", c.linear_num_key_heads},
                     {"linear_num_value_heads", c.linear_num_value_heads},
                     {"linear_key_head_dim", c.linear_key_head_dim},
                     {"linear_value_head_dim", c.linear_value_head_dim},
                     {"linear_conv_kernel_dim", c.linear_conv_kernel_dim},
                     {"num_experts", c.n_routed_experts},
                     {"shared_expert_intermediate_size", c.shared_expert_intermediate_size}});
  const GqaOptions gated{.qk_norm = true, .q_rows_per_head = 2 * c.head_dim};
  auto add_layer = [&](const std::string& p, int64_t l, bool full_attention) {
    const auto layer = static_cast<int32_t>(l);
    add_layer_norms(c, out, p, layer);
    if (full_attention)
      add_gqa_attention(c, out, p, layer, gated);
    else
      add_gated_deltanet(c, out, p, layer);
    add_qwen3_next_moe(c, out, p, layer);
  };
  add_embedding_and_head_start(c, out);
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) add_layer(layer_prefix(l), l, (l + 1) % c.full_attention_interval == 0);
  add_final_norm_and_head(c, out);
  // The config does not say how many MTP layers there are; vLLM's default (one) is what the
  // checkpoints hold.
  const int64_t mtp_layers = c.num_nextn_predict_layers > 0 ? c.num_nextn_predict_layers : 1;
  const auto first = out.size();
  const auto mtp_layer = static_cast<int32_t>(c.num_hidden_layers);
  add_tensor(out, "mtp.fc.weight", c.hidden_size, 2 * c.hidden_size, Split::rows, true, mtp_layer);
  add_tensor(out, "mtp.pre_fc_norm_embedding.weight", c.hidden_size, kVector, Split::replicated, false, mtp_layer);
  add_tensor(out, "mtp.pre_fc_norm_hidden.weight", c.hidden_size, kVector, Split::replicated, false, mtp_layer);
  for (int64_t m = 0; m < mtp_layers; ++m) add_layer("mtp.layers." + std::to_string(m) + ".", c.num_hidden_layers + m, true);
  add_tensor(out, "mtp.norm.weight", c.hidden_size, kVector, Split::replicated, false, mtp_layer);
  for (auto i = first; i < out.size(); ++i) out[i].mtp = true;
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
      {"DeepseekV32ForCausalLM", "DeepSeek-V3 with a sparse-attention indexer per layer (DeepSeek-V3.2)", build_deepseek_v32},
      {"Glm4MoeForCausalLM", "GQA with q/k/v bias, shared + routed experts, dense first layers, MTP (GLM-4.5, 4.6)",
       build_glm4_moe},
      {"MixtralForCausalLM", "GQA, eight w1/w2/w3 experts per layer (Mixtral)", build_mixtral},
      {"GptOssForCausalLM", "GQA with biases and sinks, biased experts with interleaved gate/up; MXFP4 checkpoint (gpt-oss)",
       build_gpt_oss},
      {"Qwen3NextForCausalLM", "gated DeltaNet + gated full attention, routed + shared experts, MTP (Qwen3-Next)",
       build_qwen3_next},
  };
  return table;
}

}  // namespace wxfer
