#include "strategy/scale_memo.hpp"

#include <cstring>

#include "common/error.hpp"

namespace wxfer {

ScaleMemo::ScaleMemo(const Model& trainer_model) {
  int64_t slots = 0;
  for (const auto& t : trainer_model.tensors) {
    const int64_t cols = (t.cols + kFp8Block - 1) / kFp8Block;
    first_.push_back(t.quantizable ? slots : -1);
    grid_cols_.push_back(cols);
    if (t.quantizable) slots += (t.rows + kFp8Block - 1) / kFp8Block * cols;
  }
  values_.resize(static_cast<size_t>(slots));
  written_.assign(static_cast<size_t>(slots), 0);
}

void ScaleMemo::put(uint32_t tensor, int64_t row_block, int64_t col_block, int64_t rows, int64_t cols, const float* grid,
                    int64_t stride) {
  if (first_[tensor] < 0) return;
  WXFER_ASSERT(col_block + cols <= grid_cols_[tensor]);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const auto slot = static_cast<size_t>(first_[tensor] + (row_block + r) * grid_cols_[tensor] + col_block + c);
      WXFER_ASSERT(slot < values_.size());
      values_[slot] = grid[r * stride + c];
      written_[slot] = step_;
    }
}

bool ScaleMemo::get(uint32_t tensor, int64_t row_block, int64_t col_block, int64_t rows, int64_t cols, uint8_t* out,
                    uint64_t out_stride) const {
  if (first_[tensor] < 0) return false;
  WXFER_ASSERT(col_block + cols <= grid_cols_[tensor]);
  for (int64_t r = 0; r < rows; ++r) {
    const auto slot = static_cast<size_t>(first_[tensor] + (row_block + r) * grid_cols_[tensor] + col_block);
    for (int64_t c = 0; c < cols; ++c)
      if (written_[slot + static_cast<size_t>(c)] != step_) return false;
  }
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(out + static_cast<uint64_t>(r) * out_stride,
                &values_[static_cast<size_t>(first_[tensor] + (row_block + r) * grid_cols_[tensor] + col_block)],
                static_cast<size_t>(cols) * sizeof(float));
  return true;
}

}  // namespace wxfer
