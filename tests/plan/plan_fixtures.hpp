// Small real-architecture models for plan tests (big enough for several fp8 blocks).
#pragma once

#include <nlohmann/json.hpp>

#include "model/inventory.hpp"
#include "model/model.hpp"

namespace wxfer::testing {

inline Model model_from(const nlohmann::json& j, const std::string& name) {
  Model m;
  m.name = name;
  m.config = parse_model_config(j, name);
  m.dtype = DType::bf16;
  m.tensors = build_inventory(m.config, DType::bf16);
  return m;
}

// DeepSeek-V3 structure: MLA, a dense first layer, routed + shared experts, MTP layer.
inline Model tiny_deepseek() {
  return model_from({{"architectures", {"DeepseekV3ForCausalLM"}},
                     {"model_type", "deepseek_v3"},
                     {"hidden_size", 384},
                     {"intermediate_size", 640},
                     {"moe_intermediate_size", 192},
                     {"num_hidden_layers", 3},
                     {"first_k_dense_replace", 1},
                     {"n_routed_experts", 8},
                     {"n_shared_experts", 1},
                     {"num_attention_heads", 4},
                     {"num_key_value_heads", 4},
                     {"q_lora_rank", 160},
                     {"kv_lora_rank", 96},
                     {"qk_nope_head_dim", 32},
                     {"qk_rope_head_dim", 16},
                     {"v_head_dim", 32},
                     {"vocab_size", 1000},
                     {"topk_method", "noaux_tc"},
                     {"num_nextn_predict_layers", 1}},
                    "tiny-deepseek");
}

inline Model tiny_llama() {
  return model_from({{"architectures", {"LlamaForCausalLM"}},
                     {"hidden_size", 320},
                     {"intermediate_size", 768},
                     {"num_hidden_layers", 3},
                     {"num_attention_heads", 8},
                     {"num_key_value_heads", 4},
                     {"vocab_size", 1024}},
                    "tiny-llama");
}

inline Model tiny_qwen3_moe() {
  return model_from({{"architectures", {"Qwen3MoeForCausalLM"}},
                     {"hidden_size", 256},
                     {"intermediate_size", 512},
                     {"moe_intermediate_size", 136},
                     {"num_hidden_layers", 2},
                     {"num_experts", 8},
                     {"num_attention_heads", 4},
                     {"num_key_value_heads", 4},
                     {"head_dim", 64},
                     {"vocab_size", 1024},
                     {"tie_word_embeddings", true}},
                    "tiny-qwen3-moe");
}

}  // namespace wxfer::testing
