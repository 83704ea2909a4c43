// One named tensor of a model inventory, with what the sharding rules need to know.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/dtype.hpp"

namespace wxfer {

// How tensor parallelism cuts a tensor, as inference engines and Megatron do it.
enum class Split : uint8_t {
  replicated,  // norms, biases of row-parallel layers, small vectors, router
  rows,        // column-parallel linear or vocab-parallel embedding: dim 0
  cols,        // row-parallel linear (o_proj, down_proj): dim 1
};

struct Tensor {
  std::string name;
  int64_t rows = 0;  // dim 0
  int64_t cols = 1;  // dim 1; 1 for vectors
  uint8_t ndim = 1;
  DType dtype = DType::bf16;
  Split split = Split::replicated;
  int32_t layer = -1;        // decoder layer, -1 for embeddings, final norm, lm_head
  int32_t expert = -1;       // routed expert index, -1 otherwise
  int32_t scale_of = -1;     // weight_scale_inv: index of its weight in the same inventory
  bool quantizable = false;  // a linear weight stored as fp8 blocks in the FP8 layout
  bool buffer = false;       // stored in the checkpoint but not a parameter (rotary inv_freq)
  bool mtp = false;          // multi-token-prediction layer, outside the main model
  // GQA k/v projections: rows are this many heads. An engine with more tensor-parallel
  // ranks than heads holds each head on several ranks (vLLM's QKVParallelLinear).
  int32_t heads = 0;
  // The published shape where it has more than two dims (conv1d [C, 1, K], gpt-oss's
  // [experts, rows, blocks, 16] MXFP4 blocks); rows x cols is then its 2-D view. Empty otherwise.
  std::vector<int64_t> shape;

  uint64_t numel() const { return static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols); }
  // Model values it stores: an mxfp4 byte holds two.
  uint64_t values() const { return numel() * (dtype == DType::mxfp4 ? 2 : 1); }
  uint64_t bytes() const { return numel() * dtype_size(dtype); }
  // The shape as published.
  std::vector<int64_t> dims() const {
    if (!shape.empty()) return shape;
    return ndim == 1 ? std::vector<int64_t>{rows} : std::vector<int64_t>{rows, cols};
  }
  uint64_t row_bytes() const { return static_cast<uint64_t>(cols) * dtype_size(dtype); }
};

}  // namespace wxfer
