// Builds a model's full tensor list (HF names, shapes, dtypes) from its config.
#pragma once

#include <string>
#include <vector>

#include "model/config.hpp"
#include "model/tensor.hpp"

namespace wxfer {

// Appends tensors in checkpoint order; one per architecture family.
using ArchitectureBuilder = void (*)(const ModelConfig&, std::vector<Tensor>&);

struct ArchitectureEntry {
  const char* name;  // Hugging Face `architectures[0]`
  const char* description;
  ArchitectureBuilder build;
};

const std::vector<ArchitectureEntry>& architectures();

// The bf16 parameter list a trainer holds (buffers excluded), or the FP8 checkpoint
// layout: quantizable weights as fp8 e4m3, each followed by its float32 weight_scale_inv.
std::vector<Tensor> build_inventory(const ModelConfig& config, DType dtype);

// The checkpoint as published, as its quantization_config says: without one, the bf16
// parameters and stored buffers; "fp8", the FP8 layout above with buffers; "mxfp4" (gpt-oss),
// routed experts stacked per layer as MXFP4 blocks [experts, rows, cols/32, 16] with e8m0
// scales [experts, rows, cols/32] and stacked bf16 biases, everything else bf16.
std::vector<Tensor> build_checkpoint_inventory(const ModelConfig& config);

// Adds a tensor; small helper shared by the architecture builders.
Tensor& add_tensor(std::vector<Tensor>& out, std::string name, int64_t rows, int64_t cols, Split split, bool quantizable,
                   int32_t layer = -1, int32_t expert = -1);

}  // namespace wxfer
