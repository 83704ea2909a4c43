// Projection fusion as inference engines store it (vLLM): several Hugging Face tensors become
// one engine tensor whose rows are the pieces' rows in a fixed order. A table says which pieces
// fuse per architecture; fuse_rows() writes a fused tensor, or one tensor-parallel shard of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace wxfer::quant {

// How tensor parallelism cuts the fused tensor on the inference side.
enum class FusedSplit : uint8_t {
  rows,        // column-parallel (qkv_proj, gate_up_proj, w13): a shard is each piece's row shard, concatenated
  cols,        // row-parallel (w2): a shard is the column shard of each piece
  replicated,  // every rank holds all of it (MLA fused_qkv_a_proj is a replicated linear)
};

// Names are suffixes after "model.layers.<i>."; "{e}" stands for a routed expert index: such a
// rule fuses expert by expert into one slab of a [experts, rows, cols] engine tensor.
struct FusionRule {
  std::string_view fused;
  std::vector<std::string_view> pieces;  // in row order
  FusedSplit split;
};

struct ArchitectureFusion {
  std::string_view architecture;  // Hugging Face `architectures[0]`
  std::vector<FusionRule> rules;  // a rule applies to a layer only where all its pieces exist
};

const std::vector<ArchitectureFusion>& fusion_table();
// The rules of one architecture; UsageError naming the known ones if it is not in the table.
const std::vector<FusionRule>& fusion_rules(std::string_view architecture);

// One piece: a row-major [rows, cols] tensor of `element_bytes`-sized elements. head_rows > 0
// marks a GQA k/v piece: with fewer heads than tp_size ranks, each head is replicated on
// tp_size / heads consecutive ranks (vLLM's QKVParallelLinear) instead of being cut.
struct FusionPiece {
  const std::byte* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t element_bytes = 2;
  int64_t head_rows = 0;
};

// Shape [rows, cols] of rank `tp_rank`'s shard of the fused tensor (tp_size 1: the whole tensor).
struct FusedShape {
  int64_t rows = 0;
  int64_t cols = 0;
};
FusedShape fused_shape(std::span<const FusionPiece> pieces, FusedSplit split, int tp_rank, int tp_size);

// Writes that shard row-major and contiguous into `out` (fused_shape rows * cols elements).
// Pieces must share cols (rows split) or rows (cols split), and divide evenly; else UsageError.
void fuse_rows(std::span<const FusionPiece> pieces, FusedSplit split, int tp_rank, int tp_size, std::byte* out);

}  // namespace wxfer::quant
