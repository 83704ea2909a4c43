#include <gtest/gtest.h>

#include "common/error.hpp"
#include "layout/placement.hpp"

namespace wxfer {
namespace {

std::string usage_error(auto&& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Layout, ParsesTrainerLayouts) {
  EXPECT_EQ(parse_trainer_layout("fsdp=256").ranks(), 256);
  const auto l = parse_trainer_layout("tp=8,pp=4,ep=8");
  EXPECT_EQ(l.tp, 8);
  EXPECT_EQ(l.pp, 4);
  EXPECT_EQ(l.ep, 8);
  EXPECT_EQ(l.ranks(), 256);
}

TEST(Layout, ParsesInferenceLayouts) {
  const auto l = parse_inference_layout("tp=8,ep=8,replicas=16");
  EXPECT_EQ(l.ranks(), 128);
  EXPECT_EQ(parse_inference_layout("tp=16,replicas=8").ranks(), 128);
}

TEST(Layout, BadLayoutsNameTheBadPart) {
  EXPECT_NE(usage_error([] { parse_trainer_layout("fsdp=0"); }).find("'fsdp'"), std::string::npos);
  EXPECT_NE(usage_error([] { parse_trainer_layout("dp=4"); }).find("unknown key 'dp'"), std::string::npos);
  EXPECT_NE(usage_error([] { parse_trainer_layout("fsdp=4,tp=2"); }).find("cannot be combined"), std::string::npos);
  EXPECT_NE(usage_error([] { parse_inference_layout("tp=8,ep=3"); }).find("ep=3"), std::string::npos);
  EXPECT_NE(usage_error([] { parse_inference_layout("tp"); }).find("not key=value"), std::string::npos);
  EXPECT_NE(usage_error([] { parse_inference_layout("tp=x"); }).find("'x'"), std::string::npos);
  EXPECT_NE(usage_error([] { parse_inference_layout("tp=2,tp=4"); }).find("twice"), std::string::npos);
}

TEST(Placement, KimiInferenceCutsFollowTheEngines) {
  const Model m = load_model("kimi-k2", DType::bf16);
  const auto p = place_inference(m, parse_inference_layout("tp=8,ep=8,replicas=16"));
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const Tensor& t = m.tensors[i];
    if (t.name == "model.layers.1.mlp.experts.100.gate_proj.weight") {
      EXPECT_EQ(p[i].parts, 1);  // tp/ep = 1: whole experts
      EXPECT_EQ(p[i].rank(0, 0), 100 / 48);
    }
    if (t.name == "model.layers.1.self_attn.o_proj.weight") {
      EXPECT_EQ(p[i].dim, Split::cols);
      EXPECT_EQ(p[i].parts, 8);
    }
    if (t.name == "model.norm.weight") {
      EXPECT_EQ(p[i].copies, 8);
    }
  }
}

TEST(Placement, MegatronTrainerPlacesStagesAndExperts) {
  const Model m = load_model("kimi-k2", DType::bf16);
  const auto layout = parse_trainer_layout("tp=8,pp=4,ep=8");
  const auto p = place_trainer(m, layout);
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const Tensor& t = m.tensors[i];
    if (t.name == "lm_head.weight") {
      EXPECT_GE(p[i].rank(0, 0), 3 * 64);
    }
    if (t.name == "model.embed_tokens.weight") {
      EXPECT_LT(p[i].rank(7, 7), 64);
    }
    if (t.name == "model.layers.60.mlp.experts.383.down_proj.weight") {
      EXPECT_EQ(p[i].copies, 1);
      EXPECT_EQ(p[i].rank(0, 0), 3 * 64 + 7 * 8);
    }
  }
}

TEST(Placement, LayoutThatDoesNotDivideIsAClearError) {
  const Model m = load_model("kimi-k2", DType::bf16);
  EXPECT_NE(usage_error([&] { place_inference(m, parse_inference_layout("tp=3")); }).find("num_attention_heads"),
            std::string::npos);
  EXPECT_NE(usage_error([&] { place_trainer(m, parse_trainer_layout("tp=8,ep=5")); }).find("n_routed_experts"),
            std::string::npos);
  EXPECT_NE(usage_error([&] { place_trainer(m, parse_trainer_layout("pp=64")); }).find("pp=64"), std::string::npos);
}

// vLLM's QKVParallelLinear with fewer k/v heads than ranks: each head on tp / heads
// consecutive ranks. qwen3-next-mini has 2 k/v heads of 128 rows.
TEST(Layout, InferenceReplicatesKvHeadsWhenRanksOutnumberThem) {
  const Model m = load_model("qwen3-next-mini", DType::bf16);
  const auto placements = place_inference(m, parse_inference_layout("tp=4"));
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    if (m.tensors[i].name != "model.layers.3.self_attn.k_proj.weight") continue;
    const Placement& p = placements[i];
    EXPECT_EQ(p.parts, 2);
    EXPECT_EQ(p.chunk, 128);
    const int32_t expected_part[] = {0, 0, 1, 1};
    for (int32_t r = 0; r < 4; ++r) EXPECT_EQ(p.part_of_rank(r), expected_part[r]) << "rank " << r;
    return;
  }
  FAIL() << "no k_proj in layer 3";
}

// An expert's uncut tensor (gpt-oss's down bias) is on every rank of the expert's group, as
// the engine adds it on each.
TEST(Layout, ExpertsUncutTensorsAreOnEveryRankOfTheirGroup) {
  const Model m = load_model("gpt-oss-mini", DType::bf16);
  for (const char* layout : {"tp=4", "tp=4,ep=2"}) {
    const auto placements = place_inference(m, parse_inference_layout(layout));
    for (size_t i = 0; i < m.tensors.size(); ++i) {
      if (m.tensors[i].name != "model.layers.0.mlp.experts.5.down_proj.bias") continue;
      const Placement& p = placements[i];
      std::vector<int32_t> ranks;
      for (int32_t c = 0; c < p.copies; ++c) ranks.push_back(p.rank(c, 0));
      const std::vector<int32_t> want =
          std::string(layout) == "tp=4" ? std::vector<int32_t>{0, 1, 2, 3} : std::vector<int32_t>{2, 3};  // experts 4-7
      EXPECT_EQ(ranks, want) << layout;
    }
  }
}

TEST(Layout, TrainerTensorParallelismMustDivideKvHeads) {
  const Model m = load_model("qwen3-next-mini", DType::bf16);
  EXPECT_NE(usage_error([&] { place_trainer(m, parse_trainer_layout("tp=4")); }).find("num_key_value_heads (2)"),
            std::string::npos);
  EXPECT_NE(usage_error([&] { place_inference(m, parse_inference_layout("tp=3")); }).find("tp=3"), std::string::npos);
}

}  // namespace
}  // namespace wxfer
