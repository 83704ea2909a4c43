// Projection fusion: the table and the fused bytes, whole and tensor-parallel.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/error.hpp"
#include "quant/fusion.hpp"

namespace wxfer::quant {
namespace {

// A [rows, cols] int16 piece whose element (r, c) is id * 1000 + r * 10 + c.
struct Piece {
  std::vector<int16_t> values;
  FusionPiece view;
  Piece(int id, int64_t rows, int64_t cols, int64_t head_rows = 0) : values(static_cast<size_t>(rows * cols)) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) values[r * cols + c] = static_cast<int16_t>(id * 1000 + r * 10 + c);
    view = {reinterpret_cast<const std::byte*>(values.data()), rows, cols, 2, head_rows};
  }
};

std::vector<int16_t> fuse(const std::vector<FusionPiece>& pieces, FusedSplit split, int rank, int tp) {
  const FusedShape shape = fused_shape(pieces, split, rank, tp);
  std::vector<int16_t> out(static_cast<size_t>(shape.rows * shape.cols), -1);
  fuse_rows(pieces, split, rank, tp, reinterpret_cast<std::byte*>(out.data()));
  return out;
}

// First column of each output row, i.e. which (piece, row) landed there.
std::vector<int16_t> row_heads(const std::vector<int16_t>& fused, int64_t cols) {
  std::vector<int16_t> heads;
  for (size_t i = 0; i < fused.size(); i += static_cast<size_t>(cols)) heads.push_back(fused[i]);
  return heads;
}

TEST(FusionTable, NamesPiecesInEngineOrder) {
  const auto& llama = fusion_rules("LlamaForCausalLM");
  ASSERT_EQ(llama[0].fused, "self_attn.qkv_proj.weight");
  EXPECT_EQ(llama[0].pieces,
            (std::vector<std::string_view>{"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"}));
  const auto& deepseek = fusion_rules("DeepseekV3ForCausalLM");
  const auto mla = std::find_if(deepseek.begin(), deepseek.end(),
                                [](const FusionRule& r) { return r.fused == "self_attn.fused_qkv_a_proj.weight"; });
  ASSERT_NE(mla, deepseek.end());
  EXPECT_EQ(mla->pieces.front(), "self_attn.q_a_proj.weight");
  EXPECT_EQ(mla->pieces.back(), "self_attn.kv_a_proj_with_mqa.weight");
  EXPECT_EQ(mla->split, FusedSplit::replicated);
  const auto w13 =
      std::find_if(deepseek.begin(), deepseek.end(), [](const FusionRule& r) { return r.fused == "mlp.experts.w13_weight"; });
  ASSERT_NE(w13, deepseek.end());
  EXPECT_EQ(w13->pieces.front(), "mlp.experts.{e}.gate_proj.weight");
  EXPECT_THROW(fusion_rules("GPT2LMHeadModel"), UsageError);
}

TEST(Fusion, WholeTensorIsTheConcatenation) {
  const Piece q(1, 4, 3), k(2, 2, 3), v(3, 2, 3);
  const auto fused = fuse({q.view, k.view, v.view}, FusedSplit::rows, 0, 1);
  std::vector<int16_t> expected = q.values;
  expected.insert(expected.end(), k.values.begin(), k.values.end());
  expected.insert(expected.end(), v.values.begin(), v.values.end());
  EXPECT_EQ(fused, expected);
}

TEST(Fusion, ColumnParallelShardConcatenatesEachPiecesShard) {
  const Piece gate(1, 4, 2), up(2, 4, 2);
  EXPECT_EQ(row_heads(fuse({gate.view, up.view}, FusedSplit::rows, 1, 2), 2), (std::vector<int16_t>{1020, 1030, 2020, 2030}));
}

TEST(Fusion, FewKvHeadsAreReplicatedAcrossRanks) {
  // q: 4 heads of 1 row; k and v: 2 heads of 1 row; tp=4 gives each k/v head to 2 ranks.
  const Piece q(1, 4, 1, 1), k(2, 2, 1, 1), v(3, 2, 1, 1);
  const std::vector<FusionPiece> pieces{q.view, k.view, v.view};
  EXPECT_EQ(fuse(pieces, FusedSplit::rows, 0, 4), (std::vector<int16_t>{1000, 2000, 3000}));
  EXPECT_EQ(fuse(pieces, FusedSplit::rows, 1, 4), (std::vector<int16_t>{1010, 2000, 3000}));
  EXPECT_EQ(fuse(pieces, FusedSplit::rows, 3, 4), (std::vector<int16_t>{1030, 2010, 3010}));
}

TEST(Fusion, ReplicatedFusionIgnoresTheRank) {
  const Piece q_a(1, 3, 2), kv_a(2, 1, 2);
  EXPECT_EQ(fuse({q_a.view, kv_a.view}, FusedSplit::replicated, 3, 4), fuse({q_a.view, kv_a.view}, FusedSplit::replicated, 0, 1));
}

TEST(Fusion, RowParallelShardTakesColumns) {
  const Piece down(1, 2, 4);
  EXPECT_EQ(fuse({down.view}, FusedSplit::cols, 1, 2), (std::vector<int16_t>{1002, 1003, 1012, 1013}));
}

TEST(Fusion, RejectsPiecesThatDoNotFit) {
  const Piece a(1, 4, 3), b(2, 4, 2), odd(3, 3, 3);
  std::vector<std::byte> out(64);
  EXPECT_THROW(fuse_rows(std::vector<FusionPiece>{a.view, b.view}, FusedSplit::rows, 0, 1, out.data()), UsageError);
  EXPECT_THROW(fuse_rows(std::vector<FusionPiece>{odd.view}, FusedSplit::rows, 0, 2, out.data()), UsageError);
  EXPECT_THROW(fuse_rows(std::vector<FusionPiece>{a.view}, FusedSplit::rows, 2, 2, out.data()), UsageError);
}

}  // namespace
}  // namespace wxfer::quant
