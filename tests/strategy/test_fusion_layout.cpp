// Projection fusion by placement: with fuse_projections, each inference rank's memory holds
// the engine's fused tensors as contiguous regions whose bytes are exactly what fuse_rows()
// (vLLM's layout, tests/quant/test_fusion.cpp) makes of the pieces.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

#include "harness/inference_memory.hpp"
#include "harness/weights.hpp"
#include "layout/layout.hpp"
#include "plan/plan_fixtures.hpp"
#include "quant/fusion.hpp"

namespace wxfer {
namespace {

Plan fused_plan(Model m, const char* inference, DType dtype) {
  PlanOptions o;
  o.inference_dtype = dtype;
  o.fuse_projections = true;
  return Plan(std::move(m), parse_trainer_layout("fsdp=2"), parse_inference_layout(inference), o);
}

// What a bf16 rank holds at `step`, slice by slice (the senders' job, done here directly).
void fill_bf16(const Plan& plan, InferenceMemory& memory, int32_t rank, uint32_t step) {
  for (uint32_t si : plan.slices_of(rank)) {
    const Slice& s = plan.slices()[si];
    const Tensor& t = plan.dest_tensor(s.tensor);
    uint8_t* out = memory.data() + memory.offset_of(s);
    for (int64_t r = s.rows.lo; r < s.rows.hi; ++r, out += static_cast<uint64_t>(s.cols.size()) * 2)
      fill_weights(t.dtype, plan.dest()[s.tensor].source, t.cols, static_cast<uint64_t>(r * t.cols + s.cols.lo),
                   static_cast<uint64_t>(s.cols.size()), step, out);
  }
}

TEST(FusionLayout, FusedRegionsAreWhatTheEngineStores) {
  for (const char* layout : {"tp=1", "tp=2", "tp=4"}) {
    const Plan plan = fused_plan(testing::tiny_llama(), layout, DType::bf16);
    const int tp = plan.inference_layout().tp;
    for (int32_t rank = 0; rank < plan.inference_ranks(); ++rank) {
      InferenceMemory memory(plan, rank);
      fill_bf16(plan, memory, rank, 3);
      const auto fused = plan.fused_tensors(rank);
      std::set<std::string> names;
      for (const auto& f : fused) {
        names.insert(f.name);
        // The engine's shard, from whole pieces.
        std::vector<std::vector<uint16_t>> whole;
        std::vector<quant::FusionPiece> pieces;
        for (uint32_t t : f.pieces) {
          const Tensor& piece = plan.dest_tensor(t);
          whole.emplace_back(piece.numel());
          fill_weights(DType::bf16, plan.dest()[t].source, piece.cols, 0, piece.numel(), 3,
                       reinterpret_cast<uint8_t*>(whole.back().data()));
          pieces.push_back({reinterpret_cast<const std::byte*>(whole.back().data()), piece.rows, piece.cols, 2, 0});
        }
        const auto shape = quant::fused_shape(pieces, quant::FusedSplit::rows, rank % tp, tp);
        ASSERT_EQ(f.rows, shape.rows) << f.name;
        ASSERT_EQ(f.cols, shape.cols) << f.name;
        std::vector<std::byte> want(static_cast<size_t>(shape.rows * shape.cols * 2));
        quant::fuse_rows(pieces, quant::FusedSplit::rows, rank % tp, tp, want.data());
        ASSERT_EQ(f.bytes, want.size());
        EXPECT_EQ(std::memcmp(memory.data() + f.offset, want.data(), want.size()), 0) << f.name << " on rank " << rank;
      }
      for (int layer = 0; layer < 3; ++layer) {
        const std::string p = "model.layers." + std::to_string(layer) + ".";
        EXPECT_TRUE(names.contains(p + "self_attn.qkv_proj.weight")) << layout;
        EXPECT_TRUE(names.contains(p + "mlp.gate_up_proj.weight")) << layout;
      }
      EXPECT_EQ(fused.size(), 6u);
    }
  }
}

TEST(FusionLayout, Fp8ScaleGridsFuseOnlyOnBlockBoundaries) {
  // q, k, v: 256 rows each, 128 per rank at tp=2: whole blocks. Expert gate/up: 136 rows,
  // 68 per rank: their weights fuse into w13, their scale grids cannot.
  const Plan plan = fused_plan(testing::tiny_qwen3_moe(), "tp=2", DType::fp8_e4m3);
  std::set<std::string> names;
  for (const auto& f : plan.fused_tensors(0)) names.insert(f.name);
  EXPECT_TRUE(names.contains("model.layers.0.self_attn.qkv_proj.weight"));
  EXPECT_TRUE(names.contains("model.layers.0.self_attn.qkv_proj.weight_scale_inv"));
  EXPECT_TRUE(names.contains("model.layers.1.mlp.experts.w13_weight"));
  EXPECT_TRUE(names.contains("model.layers.1.mlp.experts.w2_weight"));
  EXPECT_FALSE(names.contains("model.layers.1.mlp.experts.w13_weight_scale_inv"));
}

TEST(FusionLayout, WithoutTheOptionNothingMoves) {
  PlanOptions o;
  const Plan plain(testing::tiny_llama(), parse_trainer_layout("fsdp=2"), parse_inference_layout("tp=2"), o);
  EXPECT_TRUE(plain.fused_tensors(0).empty());
  const Plan fused = fused_plan(testing::tiny_llama(), "tp=2", DType::bf16);
  EXPECT_EQ(plain.local_bytes(0), fused.local_bytes(0));  // the same bytes, in another order
}

}  // namespace
}  // namespace wxfer
