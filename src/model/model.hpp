// A model as wxfer sees it: its config and full tensor inventory in one dtype layout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "model/tensor.hpp"

namespace wxfer {

struct Model {
  std::string name;  // built-in name or config path
  ModelConfig config;
  DType dtype = DType::bf16;  // bf16: what a trainer holds; fp8_e4m3: the FP8 checkpoint layout
  // What `tensors` describe: "bf16" or "fp8" as above, or with checkpoint set, the
  // checkpoint as published, in its own format ("bf16", "fp8" or "mxfp4").
  std::string format = "bf16";
  bool checkpoint = false;
  std::vector<Tensor> tensors;

  uint64_t params() const;             // every value of every tensor, scales included
  uint64_t main_model_params() const;  // values outside MTP layers, scales and buffers excluded
  uint64_t bytes() const;
  const Tensor& largest() const;
};

// `spec` is a built-in name (see builtin_model_names) or a path to a config.json.
Model load_model(std::string_view spec, DType dtype);
// The inventory of the checkpoint as published (build_checkpoint_inventory).
Model load_checkpoint_model(std::string_view spec);
std::vector<std::string> builtin_model_names();

}  // namespace wxfer
