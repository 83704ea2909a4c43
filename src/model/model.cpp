#include "model/model.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "model/builtin_models.hpp"
#include "model/inventory.hpp"

namespace wxfer {

uint64_t Model::params() const {
  uint64_t n = 0;
  for (const auto& t : tensors) n += t.values();
  return n;
}

uint64_t Model::main_model_params() const {
  uint64_t n = 0;
  for (const auto& t : tensors)
    if (!t.mtp && !t.buffer && t.scale_of < 0) n += t.values();
  return n;
}

uint64_t Model::bytes() const {
  uint64_t n = 0;
  for (const auto& t : tensors) n += t.bytes();
  return n;
}

const Tensor& Model::largest() const {
  WXFER_ASSERT(!tensors.empty());
  const Tensor* best = &tensors.front();
  for (const auto& t : tensors)
    if (t.bytes() > best->bytes()) best = &t;
  return *best;
}

std::vector<std::string> builtin_model_names() {
  std::vector<std::string> names;
  for (const auto& m : builtin_models()) names.emplace_back(m.name);
  return names;
}

namespace {

ModelConfig load_config(std::string_view spec) {
  nlohmann::json j;
  const BuiltinModel* builtin = nullptr;
  for (const auto& m : builtin_models())
    if (spec == m.name) builtin = &m;
  try {
    if (builtin != nullptr) {
      j = nlohmann::json::parse(builtin->json);
    } else {
      const std::filesystem::path path(spec);
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) {
        std::string names;
        for (const auto& n : builtin_model_names()) names += (names.empty() ? "" : ", ") + n;
        throw_usage("unknown model '" + std::string(spec) + "': not a built-in name (" + names + ") nor a readable config.json");
      }
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      j = nlohmann::json::parse(text.str());
    }
  } catch (const nlohmann::json::parse_error& e) {
    throw_usage("model config " + std::string(spec) + ": invalid JSON (" + e.what() + ")");
  }
  return parse_model_config(j, std::string(spec));
}

}  // namespace

Model load_model(std::string_view spec, DType dtype) {
  Model model;
  model.name = std::string(spec);
  model.dtype = dtype;
  model.format = std::string(layout_name(dtype));
  model.config = load_config(spec);
  model.tensors = build_inventory(model.config, dtype);
  return model;
}

Model load_checkpoint_model(std::string_view spec) {
  Model model;
  model.name = std::string(spec);
  model.config = load_config(spec);
  model.checkpoint = true;
  model.format = model.config.quant_method.empty() ? "bf16" : model.config.quant_method;
  model.dtype = model.config.quant_method == "fp8" ? DType::fp8_e4m3 : DType::bf16;
  model.tensors = build_checkpoint_inventory(model.config);
  return model;
}

}  // namespace wxfer
