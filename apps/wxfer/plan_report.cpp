#include "plan_report.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "common/units.hpp"

namespace wxfer::cli {
namespace {

std::string shape(const Tensor& t) {
  std::string text = "[";
  for (const int64_t d : t.dims()) text += (text.size() > 1 ? ", " : "") + std::to_string(d);
  return text + "]";
}

double mean(const std::vector<uint64_t>& v) {
  return v.empty() ? 0.0 : static_cast<double>(std::accumulate(v.begin(), v.end(), uint64_t{0})) / static_cast<double>(v.size());
}

std::string line(const char* label, const std::string& value) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), "  %-28s %s\n", label, value.c_str());
  return buf;
}

}  // namespace

nlohmann::json inventory_json(const Model& m, bool list_tensors) {
  const Tensor& big = m.largest();
  nlohmann::json j = {{"model", m.name},
                      {"architecture", m.config.architecture},
                      {"dtype", m.format},
                      {"checkpoint", m.checkpoint},
                      {"tensors", m.tensors.size()},
                      {"params", m.params()},
                      {"main_model_params", m.main_model_params()},
                      {"bytes", m.bytes()},
                      {"largest_tensor", {{"name", big.name}, {"shape", shape(big)}, {"bytes", big.bytes()}}}};
  if (list_tensors) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : m.tensors) list.push_back({{"name", t.name}, {"shape", t.dims()}, {"dtype", dtype_name(t.dtype)}});
    j["tensor_list"] = std::move(list);
  }
  return j;
}

std::string inventory_text(const Model& m, bool list_tensors) {
  std::ostringstream out;
  const Tensor& big = m.largest();
  out << "model " << m.name << " (" << m.config.architecture << "), "
      << (m.checkpoint ? "checkpoint (" + m.format + ")" : m.format) << " inventory\n";
  out << line("tensors", format_count(m.tensors.size()));
  out << line("parameters", format_count(m.params()));
  out << line("main-model parameters", format_count(m.main_model_params()));
  out << line("bytes", format_count(m.bytes()) + " (" + format_bytes(static_cast<double>(m.bytes())) + ")");
  out << line("largest tensor", big.name + " " + shape(big) + " " + std::string(dtype_name(big.dtype)) + ", " +
                                    format_bytes(static_cast<double>(big.bytes())));
  if (list_tensors)
    for (const auto& t : m.tensors) out << "  " << t.name << " " << shape(t) << " " << dtype_name(t.dtype) << "\n";
  return out.str();
}

nlohmann::json plan_json(const Plan& plan, double build_seconds) {
  const PlanStats& s = plan.stats();
  return {{"trainer_layout", plan.trainer_layout().to_string()},
          {"inference_layout", plan.inference_layout().to_string()},
          {"inference_dtype", layout_name(plan.options().inference_dtype)},
          {"trainer_ranks", plan.trainer_ranks()},
          {"inference_ranks", plan.inference_ranks()},
          {"dest_tensors", plan.dest().size()},
          {"bytes_landed", s.total_bytes},
          {"max_rank_bytes_out", s.max_bytes_out},
          {"mean_rank_bytes_out", mean(s.bytes_out)},
          {"max_rank_bytes_in", s.max_bytes_in},
          {"mean_rank_bytes_in", mean(s.bytes_in)},
          {"max_rank_gather_bytes_in", s.max_gather_bytes_in},
          {"slices", plan.slices().size()},
          {"segments", s.segments},
          {"gather_segments", s.gather_segments},
          {"transfers", s.transfers},
          {"chunk_bytes", plan.options().chunk_bytes},
          {"link_bandwidth", plan.options().link_bandwidth},
          {"lower_bound_seconds", s.lower_bound_seconds},
          {"build_seconds", build_seconds}};
}

std::string plan_text(const Plan& plan, double build_seconds) {
  const PlanStats& s = plan.stats();
  std::ostringstream out;
  out << "plan " << plan.trainer_layout().to_string() << " (" << plan.trainer_ranks() << " trainer ranks) -> "
      << plan.inference_layout().to_string() << " (" << plan.inference_ranks() << " inference ranks), "
      << layout_name(plan.options().inference_dtype) << " on the receivers\n";
  out << line("bytes landed (all ranks)", format_bytes(static_cast<double>(s.total_bytes)));
  out << line("bytes out per trainer",
              "max " + format_bytes(static_cast<double>(s.max_bytes_out)) + ", mean " + format_bytes(mean(s.bytes_out)));
  out << line("bytes in per inference rank",
              "max " + format_bytes(static_cast<double>(s.max_bytes_in)) + ", mean " + format_bytes(mean(s.bytes_in)));
  out << line("gather bytes per trainer",
              "max " + format_bytes(static_cast<double>(s.max_gather_bytes_in)) + " (full-tensor gathers before sending)");
  out << line("segments / transfers", format_count(s.segments) + " / " + format_count(s.transfers) + " (" +
                                          format_count(s.gather_segments) + " segments gathered)");
  char bw[64];
  std::snprintf(bw, sizeof(bw), "%.1f GB/s per rank", plan.options().link_bandwidth / 1e9);
  out << line("link bandwidth", bw);
  out << line("lower bound on update time", format_seconds(s.lower_bound_seconds) + " (busiest link)");
  out << line("plan built in", format_seconds(build_seconds));
  return out.str();
}

}  // namespace wxfer::cli
