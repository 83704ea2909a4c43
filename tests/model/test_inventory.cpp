#include <gtest/gtest.h>

#include <algorithm>
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
  EXPECT_EQ(find(m, "model.layers.5.self_attn.q_a_proj.weight")->split, Split::replicated);
  EXPECT_EQ(find(m, "model.layers.5.self_attn.kv_a_proj_with_mqa.weight")->split, Split::replicated);
  EXPECT_EQ(find(m, "model.layers.5.self_attn.q_b_proj.weight")->split, Split::rows);
  EXPECT_EQ(find(m, "model.layers.5.self_attn.kv_b_proj.weight")->split, Split::rows);
  EXPECT_EQ(find(m, "model.embed_tokens.weight")->split, Split::rows);
  EXPECT_EQ(find(m, "model.layers.5.input_layernorm.weight")->split, Split::replicated);
  EXPECT_EQ(find(m, "model.layers.5.mlp.gate.weight")->split, Split::replicated);
}

// Published facts (shared/reference/README.md): 41 files, 75,944 tensors, 81,324,862,720
// parameters, MTP included.
TEST(Inventory, Qwen3NextMatchesThePublishedCheckpoint) {
  const Model m = load_checkpoint_model("qwen3-next-80b-a3b");
  EXPECT_EQ(m.format, "bf16");
  EXPECT_EQ(m.tensors.size(), 75944u);
  EXPECT_EQ(m.params(), 81324862720ull);
  const Tensor* conv = find(m, "model.layers.0.linear_attn.conv1d.weight");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->dims(), (std::vector<int64_t>{8192, 1, 4}));
  EXPECT_EQ(find(m, "model.layers.0.linear_attn.in_proj_qkvz.weight")->rows, 12288);
  EXPECT_EQ(find(m, "model.layers.0.linear_attn.in_proj_ba.weight")->rows, 64);
  EXPECT_EQ(find(m, "model.layers.0.self_attn.q_proj.weight"), nullptr);  // linear attention
  const Tensor* q = find(m, "model.layers.3.self_attn.q_proj.weight");    // every fourth: full, gated
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->rows, 2 * 16 * 256);
  EXPECT_EQ(find(m, "model.layers.3.self_attn.k_proj.weight")->heads, 2);
  EXPECT_EQ(find(m, "model.layers.47.mlp.shared_expert_gate.weight")->rows, 1);
  const Tensor* mtp = find(m, "mtp.layers.0.mlp.experts.511.down_proj.weight");
  ASSERT_NE(mtp, nullptr);
  EXPECT_TRUE(mtp->mtp);
  EXPECT_TRUE(find(m, "mtp.fc.weight")->mtp);
}

// Published: 163 files, 92,425 tensors, FP8 blocks with scales, MTP layer 61.
TEST(Inventory, DeepSeekV32MatchesThePublishedCheckpoint) {
  const Model m = load_checkpoint_model("deepseek-v3.2");
  EXPECT_EQ(m.format, "fp8");
  EXPECT_EQ(m.tensors.size(), 92425u);
  EXPECT_NEAR(static_cast<double>(m.main_model_params()) / 671e9, 1.0, 0.002);
  const Tensor* wq_b = find(m, "model.layers.61.self_attn.indexer.wq_b.weight");
  ASSERT_NE(wq_b, nullptr);
  EXPECT_EQ(wq_b->dtype, DType::fp8_e4m3);
  EXPECT_EQ(wq_b->rows, 64 * 128);
  EXPECT_EQ(wq_b->cols, 1536);
  EXPECT_EQ(find(m, "model.layers.61.self_attn.indexer.wq_b.weight_scale_inv")->rows, 64);
  EXPECT_EQ(find(m, "model.layers.0.self_attn.indexer.weights_proj.weight")->dtype, DType::bf16);
  EXPECT_EQ(find(m, "model.layers.0.self_attn.indexer.weights_proj.weight_scale_inv"), nullptr);
  EXPECT_NE(find(m, "model.layers.0.self_attn.indexer.k_norm.bias"), nullptr);
  EXPECT_EQ(find(m, "model.layers.0.self_attn.indexer.wk.weight")->split, Split::replicated);
  // The MTP projection is a plain nn.Linear in the engines, so it stays bf16.
  EXPECT_EQ(find(m, "model.layers.61.eh_proj.weight")->dtype, DType::bf16);
  EXPECT_EQ(find(m, "model.layers.61.eh_proj.weight_scale_inv"), nullptr);
}

// The FP8 DeepSeek-V3 checkpoint is V3.2's without the indexers: 62 layers x 7 tensors fewer.
TEST(Inventory, DeepSeekV3CheckpointIsV32WithoutIndexers) {
  EXPECT_EQ(load_checkpoint_model("deepseek-v3").tensors.size(), 92425u - 62u * 7u);
}

// gpt-oss-20b's model.safetensors.index.json: total_size 13,761,264,768 bytes, and layer 0's
// 19 names as its weight_map lists them. The config is gpt-oss-120b's with the 20b's 24
// layers and 32 experts (tests/model/data/gpt-oss-20b.json).
TEST(Inventory, GptOss20bMatchesItsIndex) {
  const Model m = load_checkpoint_model(WXFER_TEST_DATA "/gpt-oss-20b.json");
  EXPECT_EQ(m.format, "mxfp4");
  EXPECT_EQ(m.bytes(), 13761264768ull);
  EXPECT_EQ(m.tensors.size(), 24u * 19u + 3u);
  std::vector<std::string> layer0;
  for (const auto& t : m.tensors)
    if (t.name.starts_with("model.layers.0.")) layer0.push_back(t.name);
  std::sort(layer0.begin(), layer0.end());
  std::vector<std::string> published = {"input_layernorm.weight",
                                        "self_attn.o_proj.bias",
                                        "self_attn.o_proj.weight",
                                        "self_attn.q_proj.bias",
                                        "self_attn.k_proj.bias",
                                        "self_attn.v_proj.bias",
                                        "self_attn.q_proj.weight",
                                        "self_attn.k_proj.weight",
                                        "self_attn.v_proj.weight",
                                        "self_attn.sinks",
                                        "mlp.router.bias",
                                        "mlp.router.weight",
                                        "mlp.experts.gate_up_proj_bias",
                                        "mlp.experts.gate_up_proj_blocks",
                                        "mlp.experts.gate_up_proj_scales",
                                        "mlp.experts.down_proj_bias",
                                        "mlp.experts.down_proj_blocks",
                                        "mlp.experts.down_proj_scales",
                                        "post_attention_layernorm.weight"};
  for (auto& n : published) n = "model.layers.0." + n;
  std::sort(published.begin(), published.end());
  EXPECT_EQ(layer0, published);
  const Tensor* blocks = find(m, "model.layers.5.mlp.experts.gate_up_proj_blocks");
  ASSERT_NE(blocks, nullptr);
  EXPECT_EQ(blocks->dtype, DType::mxfp4);
  EXPECT_EQ(blocks->dims(), (std::vector<int64_t>{32, 5760, 90, 16}));
  const Tensor* scales = find(m, "model.layers.5.mlp.experts.down_proj_scales");
  EXPECT_EQ(scales->dtype, DType::e8m0);
  EXPECT_EQ(scales->dims(), (std::vector<int64_t>{32, 2880, 90}));
  EXPECT_EQ(find(m, "model.layers.5.mlp.experts.down_proj_bias")->dims(), (std::vector<int64_t>{32, 2880}));
}

// Published: 116.83B parameters (MXFP4 values counted one each); a trainer holds each expert
// as its own bf16 slab.
TEST(Inventory, GptOss120bParametersAndTrainerSlabs) {
  const Model ckpt = load_checkpoint_model("gpt-oss-120b");
  EXPECT_NEAR(static_cast<double>(ckpt.main_model_params()) / 116.83e9, 1.0, 0.0005);
  const Model m = load_model("gpt-oss-120b", DType::bf16);
  EXPECT_EQ(m.main_model_params(), ckpt.main_model_params());
  const Tensor* gate_up = find(m, "model.layers.0.mlp.experts.127.gate_up_proj.weight");
  ASSERT_NE(gate_up, nullptr);
  EXPECT_EQ(gate_up->rows, 5760);
  EXPECT_EQ(gate_up->cols, 2880);
  EXPECT_EQ(gate_up->expert, 127);
  EXPECT_EQ(find(m, "model.layers.0.mlp.experts.127.down_proj.weight")->split, Split::cols);
  EXPECT_EQ(find(m, "model.layers.0.self_attn.sinks")->split, Split::rows);
}

// Published: 46.7B parameters; 32 layers x (2 norms, 4 projections, router, 8 x 3 experts)
// plus embedding, final norm and head.
TEST(Inventory, MixtralMatchesThePublishedModel) {
  const Model m = load_checkpoint_model("mixtral-8x7b");
  EXPECT_EQ(m.tensors.size(), 32u * 31u + 3u);
  EXPECT_NEAR(static_cast<double>(m.params()) / 46.7e9, 1.0, 0.001);
  EXPECT_EQ(find(m, "model.layers.31.block_sparse_moe.experts.7.w2.weight")->cols, 14336);
  EXPECT_EQ(find(m, "model.layers.31.block_sparse_moe.gate.weight")->rows, 8);
}

// Published: 106B parameters in the main model, bf16, one MTP layer after the 46 main layers.
TEST(Inventory, Glm45AirMatchesThePublishedModel) {
  const Model m = load_checkpoint_model("glm-4.5-air");
  EXPECT_NEAR(static_cast<double>(m.main_model_params()) / 106e9, 1.0, 0.01);
  EXPECT_NE(find(m, "model.layers.0.mlp.down_proj.weight"), nullptr);  // first_k_dense_replace 1
  EXPECT_EQ(find(m, "model.layers.1.mlp.gate.e_score_correction_bias")->dtype, DType::f32);
  EXPECT_NE(find(m, "model.layers.1.self_attn.q_proj.bias"), nullptr);
  EXPECT_EQ(find(m, "model.layers.1.self_attn.o_proj.bias"), nullptr);
  EXPECT_EQ(find(m, "model.layers.1.self_attn.q_norm.weight"), nullptr);  // use_qk_norm false
  const Tensor* eh = find(m, "model.layers.46.eh_proj.weight");
  ASSERT_NE(eh, nullptr);
  EXPECT_TRUE(eh->mtp);
  EXPECT_EQ(eh->cols, 2 * 4096);
  EXPECT_NE(find(m, "model.layers.46.mlp.experts.127.up_proj.weight"), nullptr);
}

TEST(Inventory, CheckpointWithoutQuantizationIsTheBf16Parameters) {
  const Model bf16 = load_model("mixtral-8x7b", DType::bf16);
  const Model ckpt = load_checkpoint_model("mixtral-8x7b");
  EXPECT_TRUE(ckpt.checkpoint);
  EXPECT_EQ(ckpt.bytes(), bf16.bytes());
  EXPECT_EQ(ckpt.tensors.size(), bf16.tensors.size());
}

TEST(Inventory, EveryBuiltinCheckpointLoads) {
  for (const auto& name : builtin_model_names()) {
    const Model m = load_checkpoint_model(name);
    std::map<std::string, int> seen;
    for (const auto& t : m.tensors) EXPECT_EQ(++seen[t.name], 1) << "duplicate " << t.name << " in " << name;
  }
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
