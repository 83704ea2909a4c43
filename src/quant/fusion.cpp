// fuse_rows(): the fused tensor, or one tensor-parallel shard of it, from its pieces.
#include <cstring>
#include <string>

#include "common/error.hpp"
#include "quant/fusion.hpp"

namespace wxfer::quant {
namespace {

// The rows of `piece` that rank `tp_rank` holds under a rows split: [first, first + count).
struct RowRange {
  int64_t first = 0;
  int64_t count = 0;
};

RowRange row_shard(const FusionPiece& p, int tp_rank, int tp_size) {
  if (p.head_rows > 0 && p.rows % p.head_rows == 0 && p.rows / p.head_rows < tp_size) {
    const int64_t heads = p.rows / p.head_rows;
    if (tp_size % heads != 0)
      throw_usage("fusion: " + std::to_string(heads) + " kv heads cannot be replicated over tp=" + std::to_string(tp_size));
    const int64_t head = tp_rank / (tp_size / heads);
    return {head * p.head_rows, p.head_rows};
  }
  if (p.rows % tp_size != 0)
    throw_usage("fusion: a piece of " + std::to_string(p.rows) + " rows does not split over tp=" + std::to_string(tp_size));
  const int64_t count = p.rows / tp_size;
  return {tp_rank * count, count};
}

void check(std::span<const FusionPiece> pieces, FusedSplit split, int tp_rank, int tp_size) {
  if (pieces.empty()) throw_usage("fusion: no pieces");
  if (tp_size < 1 || tp_rank < 0 || tp_rank >= tp_size)
    throw_usage("fusion: tp rank " + std::to_string(tp_rank) + " of " + std::to_string(tp_size));
  for (const auto& p : pieces) {
    if (p.element_bytes != pieces[0].element_bytes) throw_usage("fusion: pieces of different element sizes");
    if (split != FusedSplit::cols && p.cols != pieces[0].cols)
      throw_usage("fusion: pieces concatenated along rows must have the same number of columns");
    if (split == FusedSplit::cols && p.rows != pieces[0].rows)
      throw_usage("fusion: pieces of a column-split tensor must have the same number of rows");
    if (split == FusedSplit::cols && p.cols % tp_size != 0)
      throw_usage("fusion: " + std::to_string(p.cols) + " columns do not split over tp=" + std::to_string(tp_size));
  }
}

}  // namespace

FusedShape fused_shape(std::span<const FusionPiece> pieces, FusedSplit split, int tp_rank, int tp_size) {
  check(pieces, split, tp_rank, tp_size);
  FusedShape shape;
  for (const auto& p : pieces) {
    if (split == FusedSplit::rows) {
      shape.rows += row_shard(p, tp_rank, tp_size).count;
      shape.cols = p.cols;
    } else if (split == FusedSplit::cols) {
      shape.rows += p.rows;  // w2 has one piece; several would stack like the other splits
      shape.cols = p.cols / tp_size;
    } else {
      shape.rows += p.rows;
      shape.cols = p.cols;
    }
  }
  return shape;
}

void fuse_rows(std::span<const FusionPiece> pieces, FusedSplit split, int tp_rank, int tp_size, std::byte* out) {
  check(pieces, split, tp_rank, tp_size);
  for (const auto& p : pieces) {
    const auto row_bytes = static_cast<size_t>(p.cols * p.element_bytes);
    if (split == FusedSplit::cols) {
      const int64_t width = p.cols / tp_size;
      const auto shard_bytes = static_cast<size_t>(width * p.element_bytes);
      for (int64_t r = 0; r < p.rows; ++r, out += shard_bytes)
        std::memcpy(out, p.data + r * row_bytes + tp_rank * shard_bytes, shard_bytes);
      continue;
    }
    // Rows split or replicated: one contiguous run of the piece's rows.
    const RowRange range = split == FusedSplit::rows ? row_shard(p, tp_rank, tp_size) : RowRange{0, p.rows};
    const auto bytes = static_cast<size_t>(range.count) * row_bytes;
    std::memcpy(out, p.data + static_cast<size_t>(range.first) * row_bytes, bytes);
    out += bytes;
  }
}

}  // namespace wxfer::quant
