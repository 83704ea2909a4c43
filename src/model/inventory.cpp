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

// gpt-oss's checkpoint: one stacked tensor per layer and expert tensor kind, quantized
// weights as MXFP4 blocks plus e8m0 scales.
std::vector<Tensor> stack_experts_mxfp4(std::vector<Tensor> params, int64_t experts) {
  std::vector<Tensor> out;
  for (auto& t : params) {
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
    if (!t.quantizable) {
      stacked.name = prefix + kind + "_bias";
      stacked.rows = experts;
      stacked.cols = t.rows;
      stacked.ndim = 2;
      out.push_back(std::move(stacked));
      continue;
    }
    if (t.cols % kMxfp4Block != 0)
      throw_usage("model config: " + t.name + " has " + std::to_string(t.cols) +
                  " columns, not a multiple of the MXFP4 block (32)");
    const int64_t blocks = t.cols / kMxfp4Block;
    stacked.name = prefix + kind + "_blocks";
    stacked.dtype = DType::mxfp4;
    stacked.rows = experts * t.rows;
    stacked.cols = blocks * kMxfp4Block / 2;
    stacked.shape = {experts, t.rows, blocks, kMxfp4Block / 2};
    out.push_back(std::move(stacked));
    Tensor scales = out.back();
    scales.name = prefix + kind + "_scales";
    scales.dtype = DType::e8m0;
    scales.cols = blocks;
    scales.shape = {experts, t.rows, blocks};
    scales.scale_of = static_cast<int32_t>(out.size() - 1);
    out.push_back(std::move(scales));
  }
  return out;
}

// MXFP4 as engines hold it (gpt-oss): routed experts' linear weights become e2m1 codes
// [rows, cols/2] (two a byte), each followed by its e8m0 `weight_scale` [rows, cols/32];
// everything else stays bf16.
std::vector<Tensor> quantize_experts_mxfp4(std::vector<Tensor> params) {
  std::vector<Tensor> out;
  out.reserve(params.size() * 2);
  for (auto& t : params) {
    if (t.buffer) continue;
    if (!t.quantizable || t.expert < 0) {
      out.push_back(std::move(t));
      continue;
    }
    if (t.cols % kMxfp4Block != 0)
      throw_usage("--inference-dtype mxfp4: " + t.name + " has " + std::to_string(t.cols) +
                  " columns, not whole 32-value MXFP4 blocks");
    Tensor scale = t;
    scale.name = t.name + "_scale";
    scale.dtype = DType::e8m0;
    scale.cols = t.cols / kMxfp4Block;
    scale.quantizable = false;
    t.dtype = DType::mxfp4;
    t.cols /= 2;
    out.push_back(std::move(t));
    scale.scale_of = static_cast<int32_t>(out.size() - 1);
    out.push_back(std::move(scale));
  }
  return out;
}

}  // namespace

std::vector<Tensor> build_checkpoint_inventory(const ModelConfig& config) {
  if (config.quant_method == "fp8") return build_inventory(config, DType::fp8_e4m3);
  std::vector<Tensor> params = build_parameters(config);
  if (config.quant_method == "mxfp4") return stack_experts_mxfp4(std::move(params), config.n_routed_experts);
  return params;  // as torch_dtype: bf16, buffers included
}

std::vector<Tensor> build_inventory(const ModelConfig& config, DType dtype) {
  std::vector<Tensor> params = build_parameters(config);
  if (dtype == DType::mxfp4) return quantize_experts_mxfp4(std::move(params));
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
    out.push_back(std::move(t));
    scale.scale_of = static_cast<int32_t>(out.size() - 1);
    out.push_back(std::move(scale));
  }
  return out;
}

}  // namespace wxfer
