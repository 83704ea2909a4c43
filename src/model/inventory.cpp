#include "model/inventory.hpp"

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

std::vector<Tensor> build_inventory(const ModelConfig& config, DType dtype) {
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
