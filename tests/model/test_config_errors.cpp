#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "model/config.hpp"
#include "model/inventory.hpp"
#include "model/model.hpp"

namespace wxfer {
namespace {

nlohmann::json llama() {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"hidden_size", 256},
          {"intermediate_size", 512},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 8},
          {"num_key_value_heads", 2},
          {"vocab_size", 1000}};
}

std::string error_of(const nlohmann::json& j) {
  try {
    build_inventory(parse_model_config(j, "test.json"), DType::bf16);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfig, LlamaGqaShapes) {
  const auto tensors = build_inventory(parse_model_config(llama(), "test.json"), DType::bf16);
  EXPECT_EQ(tensors.size(), 1u + 2u * 9u + 2u);
  EXPECT_EQ(tensors[4].name, "model.layers.0.self_attn.k_proj.weight");
  EXPECT_EQ(tensors[4].rows, 2 * 32);
}

TEST(ModelConfig, MissingFieldIsNamed) {
  auto j = llama();
  j.erase("hidden_size");
  EXPECT_NE(error_of(j).find("'hidden_size' is missing"), std::string::npos) << error_of(j);
}

TEST(ModelConfig, InvalidFieldIsNamed) {
  auto j = llama();
  j["num_hidden_layers"] = -3;
  EXPECT_NE(error_of(j).find("'num_hidden_layers'"), std::string::npos);
  j = llama();
  j["vocab_size"] = "many";
  EXPECT_NE(error_of(j).find("'vocab_size'"), std::string::npos);
}

TEST(ModelConfig, UnsupportedArchitectureIsNamed) {
  auto j = llama();
  j["architectures"] = {"MambaForCausalLM"};
  const auto e = error_of(j);
  EXPECT_NE(e.find("unsupported architecture 'MambaForCausalLM'"), std::string::npos) << e;
}

TEST(ModelConfig, UnknownModelNameIsAClearError) { EXPECT_THROW(load_model("no-such-model", DType::bf16), UsageError); }

TEST(ModelConfig, DeepSeekMissingMlaFieldIsNamed) {
  auto j = llama();
  j["architectures"] = {"DeepseekV3ForCausalLM"};
  const auto e = error_of(j);
  EXPECT_NE(e.find("'kv_lora_rank'"), std::string::npos) << e;
}

}  // namespace
}  // namespace wxfer
