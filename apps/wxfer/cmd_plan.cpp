// `wxfer plan`: the inventory of a model and, given layouts, the static transfer plan.
#include <chrono>
#include <iostream>

#include "commands.hpp"
#include "common/error.hpp"
#include "common/units.hpp"
#include "plan_report.hpp"

namespace wxfer::cli {
namespace {

struct PlanArgs {
  std::string model = "kimi-k2";
  std::string dtype = "bf16";
  std::string inference_dtype = "bf16";
  std::string trainer_layout;
  std::string inference_layout;
  std::string chunk_size = "64MiB";
  std::string min_segment = kDefaultMinSegment;
  std::string link_bandwidth = "50GB/s";
  bool json = false;
  bool list_tensors = false;
};

void run_plan(const PlanArgs& a) {
  const bool checkpoint = a.dtype == "checkpoint";
  const DType inventory_dtype =
      checkpoint ? DType::bf16 : parse_inventory_dtype(a.dtype, "--dtype", "bf16, fp8, mxfp4 or checkpoint");
  const Model shown = checkpoint ? load_checkpoint_model(a.model) : load_model(a.model, inventory_dtype);
  if (a.trainer_layout.empty() != a.inference_layout.empty())
    throw_usage("give both --trainer-layout and --inference-layout, or neither");
  nlohmann::json j = inventory_json(shown, a.list_tensors);
  if (a.trainer_layout.empty()) {
    std::cout << (a.json ? j.dump(2) + "\n" : inventory_text(shown, a.list_tensors));
    return;
  }
  PlanOptions opt;
  opt.inference_dtype = parse_inventory_dtype(a.inference_dtype, "--inference-dtype");
  opt.chunk_bytes = parse_bytes(a.chunk_size, "--chunk-size");
  opt.min_segment_bytes = parse_bytes(a.min_segment, "--min-segment");
  opt.link_bandwidth = parse_bandwidth(a.link_bandwidth, "--link-bandwidth");
  const auto trainer = parse_trainer_layout(a.trainer_layout);
  const auto inference = parse_inference_layout(a.inference_layout);
  const auto t0 = std::chrono::steady_clock::now();
  Model trainer_model = inventory_dtype == DType::bf16 && !checkpoint ? shown : load_model(a.model, DType::bf16);
  const Plan plan(std::move(trainer_model), trainer, inference, opt);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (a.json) {
    j.update(plan_json(plan, seconds));
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << inventory_text(shown, a.list_tensors) << plan_text(plan, seconds);
  }
}

void add_plan_command(CLI::App& app) {
  auto args = std::make_shared<PlanArgs>();
  auto* cmd = app.add_subcommand("plan", "Print a model's inventory and the static transfer plan for two layouts");
  cmd->add_option("--model", args->model, "Built-in model name or path to a Hugging Face config.json")->capture_default_str();
  cmd->add_option(
         "--dtype", args->dtype,
         "Inventory to print: bf16 (trainer), fp8 (FP8 block layout), mxfp4 (MXFP4 experts) or checkpoint (as published)")
      ->capture_default_str();
  cmd->add_flag("--tensors", args->list_tensors, "List every tensor: name, shape, dtype");
  cmd->add_option("--trainer-layout", args->trainer_layout, "e.g. fsdp=256 or tp=8,pp=4,ep=8");
  cmd->add_option("--inference-layout", args->inference_layout, "e.g. tp=16,replicas=8 or tp=8,ep=8,replicas=16");
  cmd->add_option("--inference-dtype", args->inference_dtype,
                  "What lands on inference ranks: bf16, fp8 or mxfp4 (routed experts)")
      ->capture_default_str();
  cmd->add_option("--chunk-size", args->chunk_size, "Largest unit a pipeline streams")->capture_default_str();
  cmd->add_option("--min-segment", args->min_segment, "Smaller cuts are gathered on one sender first")->capture_default_str();
  cmd->add_option("--link-bandwidth", args->link_bandwidth, "Per-rank link bandwidth for the lower bound")->capture_default_str();
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->callback([args] { run_plan(*args); });
}

const CommandRegistrar registrar{"plan", 10, add_plan_command};

}  // namespace

}  // namespace wxfer::cli
