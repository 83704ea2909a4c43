// The fields of a Hugging Face config.json that decide a model's tensor inventory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace wxfer {

struct ModelConfig {
  std::string architecture;  // architectures[0]
  std::string model_type;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;
  int64_t vocab_size = 0;
  bool tie_word_embeddings = false;
  bool attention_bias = false;
  // Mixture of experts (0 experts: dense).
  int64_t n_routed_experts = 0;
  int64_t n_shared_experts = 0;
  int64_t moe_intermediate_size = 0;
  int64_t first_k_dense_replace = 0;
  int64_t moe_layer_freq = 1;
  int64_t decoder_sparse_step = 1;
  std::vector<int64_t> mlp_only_layers;
  bool router_bias = false;  // DeepSeek noaux_tc: e_score_correction_bias
  // Multi-head latent attention (DeepSeek-V3 / Kimi-K2).
  int64_t q_lora_rank = 0;
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
  int64_t num_nextn_predict_layers = 0;
  // GQA details some families add.
  bool qk_norm = false;                         // per-head q_norm / k_norm (Qwen3; GLM-4.5 `use_qk_norm`)
  int64_t shared_expert_intermediate_size = 0;  // Qwen3-Next's one gated shared expert
  // Hybrid linear attention (Qwen3-Next): every `full_attention_interval`-th layer is full
  // attention, the others gated DeltaNet.
  int64_t full_attention_interval = 0;
  int64_t linear_num_key_heads = 0;
  int64_t linear_num_value_heads = 0;
  int64_t linear_key_head_dim = 0;
  int64_t linear_value_head_dim = 0;
  int64_t linear_conv_kernel_dim = 0;
  // DeepSeek sparse attention (DeepSeek-V3.2): a lightning indexer per layer.
  int64_t index_n_heads = 0;
  int64_t index_head_dim = 0;
  // The checkpoint's own storage format, from `quantization_config.quant_method`:
  // "" (as torch_dtype, bf16), "fp8" (128x128 blocks) or "mxfp4" (gpt-oss experts).
  std::string quant_method;
};

// Reads the fields the architecture needs; a missing or invalid one is a UsageError
// naming the field and `source` (the file or built-in name).
ModelConfig parse_model_config(const nlohmann::json& j, const std::string& source);

}  // namespace wxfer
