// Block scales a sender computed this step while quantizing weights, kept so that the
// weight_scale_inv segment sent after them is copied instead of recomputed from the bf16
// (which would read the whole band again). One slot per block of every quantizable tensor;
// a slot is valid only for the step that wrote it.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.hpp"

namespace wxfer {

class ScaleMemo {
 public:
  explicit ScaleMemo(const Model& trainer_model);
  // A new step: every weight changed, every slot is stale.
  void clear() { ++step_; }
  // Stores a grid of rows x cols scales whose first block is (row_block, col_block).
  void put(uint32_t tensor, int64_t row_block, int64_t col_block, int64_t rows, int64_t cols, const float* grid, int64_t stride);
  // Copies such a grid into `out` (row stride `out_stride` bytes, any alignment) if every
  // scale of it was stored this step.
  bool get(uint32_t tensor, int64_t row_block, int64_t col_block, int64_t rows, int64_t cols, uint8_t* out,
           uint64_t out_stride) const;

 private:
  std::vector<int64_t> first_;      // per tensor, its first slot; -1: not quantizable
  std::vector<int64_t> grid_cols_;  // per tensor
  std::vector<float> values_;
  std::vector<uint32_t> written_;  // per slot: the step that wrote it
  uint32_t step_ = 1;
};

}  // namespace wxfer
