#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "model/model.hpp"

namespace wxfer {
namespace {

const Tensor* find(const Model& m, const std::string& name) {
  for (const auto& t : m.tensors)
    if (t.name == name) return &t;
  return nullptr;
}

TEST(Inventory, KimiK2Fp8MatchesThePublishedCheckpoint) {
  const Model m = load_model("kimi-k2", DType::fp8_e4m3);
  EXPECT_EQ(m.tensors.size(), 139644u);
  EXPECT_EQ(m.params(), 1026470731056ull);
  const Tensor* q_b = find(m, "model.layers.7.self_attn.q_b_proj.weight");
  ASSERT_NE(q_b, nullptr);
  EXPECT_EQ(q_b->rows, 12288);
  EXPECT_EQ(q_b->cols, 1536);
  EXPECT_EQ(q_b->dtype, DType::fp8_e4m3);
  const Tensor* scale = find(m, "model.layers.7.self_attn.q_b_proj.weight_scale_inv");
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(scale->rows, 96);
  EXPECT_EQ(scale->cols, 12);
  EXPECT_EQ(scale->dtype, DType::f32);
  const Tensor* kv_a = find(m, "model.layers.60.self_attn.kv_a_proj_with_mqa.weight_scale_inv");
  ASSERT_NE(kv_a, nullptr);
  EXPECT_EQ(kv_a->rows, 5);
  EXPECT_EQ(kv_a->cols, 56);
  const Tensor* bias = find(m, "model.layers.1.mlp.gate.e_score_correction_bias");
  ASSERT_NE(bias, nullptr);
  EXPECT_EQ(bias->dtype, DType::f32);
  EXPECT_EQ(find(m, "model.layers.0.mlp.gate.weight"), nullptr);  // layer 0 is dense
  const Tensor* dense = find(m, "model.layers.0.mlp.down_proj.weight_scale_inv");
  ASSERT_NE(dense, nullptr);
  EXPECT_EQ(dense->rows, 56);
  EXPECT_EQ(dense->cols, 144);
  const Tensor* expert = find(m, "model.layers.60.mlp.experts.383.down_proj.weight");
  ASSERT_NE(expert, nullptr);
  EXPECT_EQ(expert->expert, 383);
  EXPECT_EQ(find(m, "lm_head.weight")->dtype, DType::bf16);
  EXPECT_EQ(find(m, "model.layers.3.self_attn.rotary_emb.inv_freq")->rows, 56);
}

TEST(Inventory, KimiK2Bf16IsWhatATrainerHolds) {
  const Model m = load_model("kimi-k2", DType::bf16);
  EXPECT_EQ(m.tensors.size(), 69975u);
  EXPECT_NEAR(static_cast<double>(m.bytes()) / 1e12, 2.05, 0.01);
  for (const auto& t : m.tensors) {
    EXPECT_FALSE(t.buffer) << t.name;
    EXPECT_NE(t.dtype, DType::fp8_e4m3) << t.name;
  }
}

TEST(Inventory, DeepSeekV3MainModelIs671BAndHasOneMtpLayer) {
  const Model m = load_model("deepseek-v3", DType::bf16);
  EXPECT_NEAR(static_cast<double>(m.main_model_params()) / 671e9, 1.0, 0.001);
  size_t mtp = 0;
  for (const auto& t : m.tensors)
    if (t.mtp) {
      ++mtp;
      EXPECT_EQ(t.layer, 61) << t.name;
    }
  EXPECT_GT(mtp, 0u);
  ASSERT_NE(find(m, "model.layers.61.eh_proj.weight"), nullptr);
  EXPECT_EQ(find(m, "model.layers.61.eh_proj.weight")->cols, 2 * 7168);
  EXPECT_NE(find(m, "model.layers.2.mlp.down_proj.weight"), nullptr);  // three dense layers
  EXPECT_EQ(find(m, "model.layers.3.mlp.down_proj.weight"), nullptr);
}

TEST(Inventory, ShardingRolesFollowTheEngines) {
  const Model m = load_model("kimi-k2", DType::bf16);
  EXPECT_EQ(find(m, "model.layers.5.self_attn.o_proj.weight")->split, Split::cols);
  EXPECT_EQ(find(m, "model.layers.5.mlp.experts.0.down_proj.weight")->split, Split::cols);
  EXPECT_EQ(find(m, "model.layers.5.self_attn.q_a_proj.weight")->split, Split::rows);
  EXPECT_EQ(find(m, "model.layers.5.self_attn.kv_b_proj.weight")->split, Split::rows);
  EXPECT_EQ(find(m, "model.embed_tokens.weight")->split, Split::rows);
  EXPECT_EQ(find(m, "model.layers.5.input_layernorm.weight")->split, Split::replicated);
  EXPECT_EQ(find(m, "model.layers.5.mlp.gate.weight")->split, Split::replicated);
}

TEST(Inventory, EveryBuiltinLoadsInBothLayouts) {
  for (const auto& name : builtin_model_names()) {
    for (DType d : {DType::bf16, DType::fp8_e4m3}) {
      const Model m = load_model(name, d);
      EXPECT_GT(m.tensors.size(), 0u) << name;
      std::map<std::string, int> seen;
      for (const auto& t : m.tensors) EXPECT_EQ(++seen[t.name], 1) << "duplicate " << t.name << " in " << name;
    }
  }
}

}  // namespace
}  // namespace wxfer
