#include "layout/layout.hpp"

#include <charconv>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace wxfer {
namespace {

struct KeyValue {
  std::string key;
  int32_t value;
};

std::vector<KeyValue> parse_pairs(std::string_view text, std::string_view what) {
  std::vector<KeyValue> out;
  if (text.empty()) throw_usage("empty " + std::string(what));
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string_view item = text.substr(pos, comma - pos);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw_usage("invalid " + std::string(what) + " '" + std::string(text) + "': item '" + std::string(item) +
                  "' is not key=value");
    const std::string_view value_text = item.substr(eq + 1);
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (ec != std::errc() || end != value_text.data() + value_text.size() || value <= 0 || value > 1000000)
      throw_usage("invalid " + std::string(what) + " '" + std::string(text) + "': value of '" + std::string(item.substr(0, eq)) +
                  "' must be a positive integer, got '" + std::string(value_text) + "'");
    std::string key(item.substr(0, eq));
    for (const auto& kv : out)
      if (kv.key == key) throw_usage("invalid " + std::string(what) + " '" + std::string(text) + "': '" + key + "' given twice");
    out.push_back({std::move(key), static_cast<int32_t>(value)});
    pos = comma + 1;
  }
  return out;
}

}  // namespace

std::string TrainerLayout::to_string() const {
  if (fsdp > 0) return "fsdp=" + std::to_string(fsdp);
  return "tp=" + std::to_string(tp) + ",pp=" + std::to_string(pp) + ",ep=" + std::to_string(ep);
}

std::string InferenceLayout::to_string() const {
  return "tp=" + std::to_string(tp) + ",ep=" + std::to_string(ep) + ",replicas=" + std::to_string(replicas);
}

TrainerLayout parse_trainer_layout(std::string_view text) {
  TrainerLayout l;
  bool megatron = false;
  for (const auto& [key, value] : parse_pairs(text, "trainer layout")) {
    if (key == "fsdp")
      l.fsdp = value;
    else if (key == "tp")
      l.tp = value, megatron = true;
    else if (key == "pp")
      l.pp = value, megatron = true;
    else if (key == "ep")
      l.ep = value, megatron = true;
    else
      throw_usage("invalid trainer layout '" + std::string(text) + "': unknown key '" + key + "' (use fsdp, or tp, pp, ep)");
  }
  if (l.fsdp > 0 && megatron)
    throw_usage("invalid trainer layout '" + std::string(text) + "': fsdp cannot be combined with tp, pp or ep");
  return l;
}

InferenceLayout parse_inference_layout(std::string_view text) {
  InferenceLayout l;
  for (const auto& [key, value] : parse_pairs(text, "inference layout")) {
    if (key == "tp")
      l.tp = value;
    else if (key == "ep")
      l.ep = value;
    else if (key == "replicas")
      l.replicas = value;
    else
      throw_usage("invalid inference layout '" + std::string(text) + "': unknown key '" + key + "' (use tp, ep, replicas)");
  }
  if (l.tp % l.ep != 0)
    throw_usage("invalid inference layout '" + std::string(text) + "': ep=" + std::to_string(l.ep) +
                " must divide tp=" + std::to_string(l.tp));
  return l;
}

}  // namespace wxfer
