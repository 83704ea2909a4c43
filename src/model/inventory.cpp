#include "model/inventory.hpp"

#include <utility>

#include "common/error.hpp"

namespace wxfer {

Tensor& add_tensor(std::vector<Tensor>& out, std::string name, int64_t rows, int64_t cols, Split split, bool quantizable,
                   int32_t layer, int32_t expert) {
  Tensor t;
  t.name = std::move(name);
  t.rows = rows;
  t.cols = cols;
  t.ndim = cols == 0 ? 1 : 2;
  if (cols == 0) t.cols = 1;
  t.split = split;
  t.quantizable = quantizable;
  t.layer = layer;
  t.expert = expert;
  return out.emplace_back(std::move(t));
}

namespace {

std::vector<Tensor> build_parameters(const ModelConfig& config) {
  const ArchitectureEntry* arch = nullptr;
  for (const auto& a : architectures())
    if (config.architecture == a.name) arch = &a;
  if (arch == nullptr) {
    std::string known;
    for (const auto& a : architectures()) known += std::string(known.empty() ? "" : ", ") + a.name;
    throw_usage("unsupported architecture '" + config.architecture + "' (supported: " + known + ")");
  }
  std::vector<Tensor> params;
  arch->build(config, params);
  return params;
}

// "model.layers.3.mlp.experts.17.down_proj.weight" -> {"model.layers.3.mlp.experts.", "down_proj.weight"}.
std::pair<std::string, std::string> split_expert_name(const Tensor& t) {
  const std::string marker = ".experts." + std::to_string(t.expert) + ".";
  const auto at = t.name.rfind(marker);
  WXFER_ASSERT(at != std::string::npos);
  return {t.name.substr(0, at) + ".experts.", t.name.substr(at + marker.size())};
}

// A quantized weight, then its scale tensor (whose scale_of points back at it).
void append_with_scale(std::vector<Tensor>& out, Tensor weight, Tensor scale) {
  out.push_back(std::move(weight));
  scale.scale_of = static_cast<int32_t>(out.size() - 1);
  out.push_back(std::move(scale));
}

// MXFP4 as engines hold it (gpt-oss): routed experts' linear weights become e2m1 codes
// [rows, cols/2] (two a byte), each followed by its e8m0 `weight_scale` [rows, cols/32];
// everything else stays as it is.
std::vector<Tensor> quantize_experts_mxfp4(std::vector<Tensor> params) {
  std::vector<Tensor> out;
  out.reserve(params.size() * 2);
  for (auto& t : params) {
    if (!t.quantizable || t.expert < 0) {
      out.push_back(std::move(t));
      continue;
    }
    if (t.cols % kMxfp4Block != 0)
      throw_usage("MXFP4: " + t.name + " has " + std::to_string(t.cols) + " columns, not whole 32-value blocks");
    Tensor scale = t;
    scale.name = t.name + "_scale";
    scale.dtype = DType::e8m0;
    scale.cols = t.cols / kMxfp4Block;
    scale.quantizable = false;
    t.dtype = DType::mxfp4;
    t.cols /= 2;
    append_with_scale(out, std::move(t), std::move(scale));
  }
  return out;
}

// gpt-oss's checkpoint: each layer's expert slabs (MXFP4 codes, their scales, biases)
// stacked into one tensor per kind: `<kind>_blocks` [experts, rows, cols/32, 16],
// `<kind>_scales` [experts, rows, cols/32], `<kind>_bias` [experts, rows].
std::vector<Tensor> stack_experts(std::vector<Tensor> slabs, int64_t experts) {
  std::vector<Tensor> out;
  for (auto& t : slabs) {
    if (t.expert < 0) {
      out.push_back(std::move(t));
      continue;
    }
    if (t.expert != 0) continue;  // stacked with expert 0
    const auto [prefix, suffix] = split_expert_name(t);
    const std::string kind = suffix.substr(0, suffix.find('.'));  // "gate_up_proj"
    Tensor stacked = t;
    stacked.expert = -1;
    stacked.quantizable = false;
    stacked.scale_of = -1;
    if (t.dtype == DType::mxfp4) {
      stacked.name = prefix + kind + "_blocks";
      stacked.rows = experts * t.rows;
      stacked.shape = {experts, t.rows, t.cols * 2 / kMxfp4Block, kMxfp4Block / 2};
    } else if (t.dtype == DType::e8m0) {
      stacked.name = prefix + kind + "_scales";
      stacked.rows = experts * t.rows;
      stacked.shape = {experts, t.rows, t.cols};
      stacked.scale_of = static_cast<int32_t>(out.size() - 1);  // the blocks just stacked
    } else {
      stacked.name = prefix + kind + "_bias";
      stacked.rows = experts;
      stacked.cols = t.rows;
      stacked.ndim = 2;
    }
    out.push_back(std::move(stacked));
  }
  return out;
}

}  // namespace

std::vector<Tensor> build_checkpoint_inventory(const ModelConfig& config) {
  if (config.quant_method == "fp8") return build_inventory(config, DType::fp8_e4m3);
  std::vector<Tensor> params = build_parameters(config);
  if (config.quant_method == "mxfp4") return stack_experts(quantize_experts_mxfp4(std::move(params)), config.n_routed_experts);
  return params;  // as torch_dtype: bf16, buffers included
}

std::vector<Tensor> build_inventory(const ModelConfig& config, DType dtype) {
  std::vector<Tensor> params = build_parameters(config);
  if (dtype == DType::mxfp4) {
    std::erase_if(params, [](const Tensor& t) { return t.buffer; });
    return quantize_experts_mxfp4(std::move(params));
  }
  if (dtype != DType::bf16 && dtype != DType::fp8_e4m3)
    throw_usage("no " + std::string(dtype_name(dtype)) + " inventory: expected bf16, fp8 or mxfp4");
  std::vector<Tensor> out;
  out.reserve(params.size() * (dtype == DType::fp8_e4m3 ? 2 : 1));
  for (auto& t : params) {
    if (dtype == DType::bf16) {
      if (!t.buffer) out.push_back(std::move(t));
      continue;
    }
    if (!t.quantizable) {
      out.push_back(std::move(t));
      continue;
    }
    Tensor scale;
    scale.name = t.name.substr(0, t.name.size() - std::string_view("weight").size()) + "weight_scale_inv";
    scale.rows = (t.rows + kFp8Block - 1) / kFp8Block;
    scale.cols = (t.cols + kFp8Block - 1) / kFp8Block;
    scale.ndim = 2;
    scale.dtype = DType::f32;
    scale.split = t.split;
    scale.layer = t.layer;
    scale.expert = t.expert;
    scale.mtp = t.mtp;
    t.dtype = DType::fp8_e4m3;
    append_with_scale(out, std::move(t), std::move(scale));
  }
  return out;
}

}  // namespace wxfer
