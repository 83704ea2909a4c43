#include "model/config.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "model/dtype.hpp"

namespace wxfer {
namespace {

class FieldReader {
 public:
  FieldReader(const nlohmann::json& j, const std::string& source) : j_(j), source_(source) {}

  int64_t positive(const char* key) const {
    if (!j_.contains(key)) fail(key, "is missing");
    return check_positive(key, j_.at(key));
  }
  int64_t positive_or(const char* key, int64_t fallback) const {
    if (!j_.contains(key) || j_.at(key).is_null()) return fallback;
    return check_positive(key, j_.at(key));
  }
  int64_t non_negative_or(const char* key, int64_t fallback) const {
    if (!j_.contains(key) || j_.at(key).is_null()) return fallback;
    const auto& v = j_.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0) fail(key, "must be a non-negative integer");
    return v.get<int64_t>();
  }
  bool flag_or(const char* key, bool fallback) const {
    if (!j_.contains(key) || j_.at(key).is_null()) return fallback;
    if (!j_.at(key).is_boolean()) fail(key, "must be true or false");
    return j_.at(key).get<bool>();
  }
  std::string text_or(const char* key, std::string fallback) const {
    if (!j_.contains(key) || j_.at(key).is_null()) return fallback;
    if (!j_.at(key).is_string()) fail(key, "must be a string");
    return j_.at(key).get<std::string>();
  }
  [[noreturn]] void fail(const char* key, const char* why) const {
    throw_usage("model config " + source_ + ": field '" + key + "' " + why);
  }

 private:
  int64_t check_positive(const char* key, const nlohmann::json& v) const {
    if (!v.is_number_integer() || v.get<int64_t>() <= 0) fail(key, "must be a positive integer");
    return v.get<int64_t>();
  }
  const nlohmann::json& j_;
  const std::string& source_;
};

}  // namespace

ModelConfig parse_model_config(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw_usage("model config " + source + ": not a JSON object");
  FieldReader f(j, source);
  ModelConfig c;
  if (!j.contains("architectures")) f.fail("architectures", "is missing");
  const auto& arch = j.at("architectures");
  if (!arch.is_array() || arch.empty() || !arch[0].is_string()) f.fail("architectures", "must be a non-empty list of names");
  c.architecture = arch[0].get<std::string>();
  c.model_type = f.text_or("model_type", "");
  c.hidden_size = f.positive("hidden_size");
  c.num_hidden_layers = f.positive("num_hidden_layers");
  c.num_attention_heads = f.positive("num_attention_heads");
  c.num_key_value_heads = f.positive_or("num_key_value_heads", c.num_attention_heads);
  c.vocab_size = f.positive("vocab_size");
  c.intermediate_size = f.positive("intermediate_size");
  c.head_dim = f.positive_or("head_dim", c.hidden_size / c.num_attention_heads);
  c.tie_word_embeddings = f.flag_or("tie_word_embeddings", false);
  c.attention_bias = f.flag_or("attention_bias", false);
  // Each family names its expert count differently: DeepSeek and GLM, Qwen, Mixtral and gpt-oss.
  c.n_routed_experts =
      f.non_negative_or("n_routed_experts", f.non_negative_or("num_experts", f.non_negative_or("num_local_experts", 0)));
  c.n_shared_experts = f.non_negative_or("n_shared_experts", 0);
  c.moe_intermediate_size = f.non_negative_or("moe_intermediate_size", 0);
  c.first_k_dense_replace = f.non_negative_or("first_k_dense_replace", 0);
  c.moe_layer_freq = f.positive_or("moe_layer_freq", 1);
  c.decoder_sparse_step = f.positive_or("decoder_sparse_step", 1);
  if (j.contains("mlp_only_layers") && !j.at("mlp_only_layers").is_null()) {
    const auto& m = j.at("mlp_only_layers");
    if (!m.is_array()) f.fail("mlp_only_layers", "must be a list of layer indices");
    for (const auto& v : m) {
      if (!v.is_number_integer()) f.fail("mlp_only_layers", "must be a list of layer indices");
      c.mlp_only_layers.push_back(v.get<int64_t>());
    }
  }
  c.router_bias = f.text_or("topk_method", "") == "noaux_tc";
  c.q_lora_rank = f.non_negative_or("q_lora_rank", 0);
  c.kv_lora_rank = f.non_negative_or("kv_lora_rank", 0);
  c.qk_nope_head_dim = f.non_negative_or("qk_nope_head_dim", 0);
  c.qk_rope_head_dim = f.non_negative_or("qk_rope_head_dim", 0);
  c.v_head_dim = f.non_negative_or("v_head_dim", 0);
  c.num_nextn_predict_layers = f.non_negative_or("num_nextn_predict_layers", 0);
  c.qk_norm = f.flag_or("use_qk_norm", false);
  c.shared_expert_intermediate_size = f.non_negative_or("shared_expert_intermediate_size", 0);
  c.full_attention_interval = f.non_negative_or("full_attention_interval", 0);
  c.linear_num_key_heads = f.non_negative_or("linear_num_key_heads", 0);
  c.linear_num_value_heads = f.non_negative_or("linear_num_value_heads", 0);
  c.linear_key_head_dim = f.non_negative_or("linear_key_head_dim", 0);
  c.linear_value_head_dim = f.non_negative_or("linear_value_head_dim", 0);
  c.linear_conv_kernel_dim = f.non_negative_or("linear_conv_kernel_dim", 0);
  c.index_n_heads = f.non_negative_or("index_n_heads", 0);
  c.index_head_dim = f.non_negative_or("index_head_dim", 0);
  if (j.contains("quantization_config") && !j.at("quantization_config").is_null()) {
    const auto& q = j.at("quantization_config");
    if (!q.is_object() || !q.contains("quant_method") || !q.at("quant_method").is_string())
      f.fail("quantization_config", "must be an object with a string quant_method");
    c.quant_method = q.at("quant_method").get<std::string>();
    if (c.quant_method != "fp8" && c.quant_method != "mxfp4")
      f.fail("quantization_config", ("has quant_method '" + c.quant_method + "': wxfer knows fp8 and mxfp4").c_str());
    if (c.quant_method == "fp8" && q.contains("weight_block_size")) {
      const auto& b = q.at("weight_block_size");
      if (!b.is_array() || b.size() != 2 || b[0] != kFp8Block || b[1] != kFp8Block)
        f.fail("quantization_config", "has a weight_block_size other than [128, 128]");
    }
  }
  // Mixtral's and gpt-oss's configs have no moe_intermediate_size: their experts are
  // intermediate_size wide.
  const bool experts_use_intermediate_size = c.architecture == "MixtralForCausalLM" || c.architecture == "GptOssForCausalLM";
  if (c.n_routed_experts > 0 && c.moe_intermediate_size == 0 && experts_use_intermediate_size)
    c.moe_intermediate_size = c.intermediate_size;
  if (c.n_routed_experts > 0 && c.moe_intermediate_size == 0)
    f.fail("moe_intermediate_size", "is missing (required when the model has routed experts)");
  return c;
}

}  // namespace wxfer
