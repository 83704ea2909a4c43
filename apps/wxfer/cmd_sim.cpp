// `wxfer sim`: replay the plans of every strategy on a modelled cluster (SimGrid).
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "common/error.hpp"
#include "published.hpp"
#include "wxfer/config.hpp"

#if WXFER_HAVE_SIMGRID
#include "common/units.hpp"
#include "harness/weights.hpp"
#include "model/dtype.hpp"
#include "sim/output.hpp"
#include "sim/simulate.hpp"
#include "strategy/strategy.hpp"
#endif

namespace wxfer::cli {
namespace {

struct SimArgs {
  std::string cluster = "h100-ib400";
  std::string model = "kimi-k2";
  std::string trainer_layout;
  std::string inference_layout;
  std::string inference_dtype = "bf16";
  std::string strategy = "all";
  std::string bucket_size = "2GiB";
  std::string chunk_size = "64MiB";
  std::string min_segment = kDefaultMinSegment;
  std::string inference_gpus;
  int flows_per_rank = 0;
  int max_sim_chunks = 0;
  std::string out;
  std::string label_suffix;  // run groups are named <label>@<suffix> (files to merge)
  bool json = false;
  bool delta = false;
  std::string update_model = "versioned";
  std::vector<std::string> published;  // STRATEGY=SECONDS, by=SOURCE
  std::string placement = "separate";
};

#if WXFER_HAVE_SIMGRID
std::vector<int32_t> parse_counts(const std::string& text) {
  std::vector<int32_t> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || v <= 0) throw_usage("invalid --inference-gpus '" + text + "': expected e.g. 16,32,64");
    out.push_back(v);
  }
  return out;
}

void run_sim(const SimArgs& a) {
  SimRequest req;
  req.cluster = load_cluster(a.cluster);
  if (a.flows_per_rank > 0) req.cluster.flows_per_rank = a.flows_per_rank;
  if (a.max_sim_chunks > 0) req.cluster.max_sim_chunks = a.max_sim_chunks;
  if (a.trainer_layout.empty() || a.inference_layout.empty())
    throw_usage("wxfer sim needs --trainer-layout and --inference-layout");
  req.trainer = parse_trainer_layout(a.trainer_layout);
  req.inference = parse_inference_layout(a.inference_layout);
  req.plan.inference_dtype = parse_inventory_dtype(a.inference_dtype, "--inference-dtype");
  req.plan.chunk_bytes = parse_bytes(a.chunk_size, "--chunk-size");
  req.plan.min_segment_bytes = parse_bytes(a.min_segment, "--min-segment");
  req.bucket_bytes = parse_bytes(a.bucket_size, "--bucket-size");
  if (req.bucket_bytes == 0) throw_usage("invalid --bucket-size '" + a.bucket_size + "': must be at least one byte");
  for (const StrategyEntry* s : select_strategies(a.strategy)) {
    req.strategies.emplace_back(s->name);
    if (s->sends_deltas) req.delta_strategies.emplace_back(s->name);
  }
  const UpdateModel update = UpdateModel::parse(a.update_model);
  if (a.delta) {
    if (req.delta_strategies.empty())
      throw_usage("invalid --delta with --strategy " + a.strategy + ": it sends whole updates only");
    // The density the model's arithmetic gives (density:D gives D).
    req.delta_density = update.kind == UpdateModel::Kind::density ? update.density : sampled_changed_fraction(update);
  } else if (update.kind != UpdateModel::Kind::versioned) {
    throw_usage("invalid --update-model '" + a.update_model + "' without --delta: a whole update moves the same bytes");
  }
  if (!a.inference_gpus.empty()) req.inference_gpus = parse_counts(a.inference_gpus);
  if (a.placement != "separate" && a.placement != "colocated")
    throw_usage("invalid --placement '" + a.placement + "': expected separate or colocated");
  req.colocated = a.placement == "colocated";
  const PublishedFigures published = PublishedFigures::parse(a.published);
  const Model model = load_model(a.model, DType::bf16);
  SimResult r = simulate(model, req);
  for (auto& run : r.file.runs) {
    if (!a.label_suffix.empty()) run.label += "@" + a.label_suffix;
    published.attach(run);
  }
  r.file.config = {{"command", "sim"},
                   {"cluster", req.cluster.name},
                   {"model", a.model},
                   {"trainer_layout", a.trainer_layout},
                   {"inference_layout", a.inference_layout},
                   {"inference_dtype", a.inference_dtype},
                   {"strategy", a.strategy},
                   {"bucket_bytes", req.bucket_bytes},
                   {"chunk_bytes", req.plan.chunk_bytes},
                   {"inference_gpus", a.inference_gpus},
                   {"placement", a.placement},
                   {"delta", a.delta},
                   {"update_model", update.to_string()},
                   {"delta_density", req.delta_density}};
  if (!published.seconds.empty()) r.file.config["published"] = published.json();
  if (!a.out.empty()) write_sim_file(r.file, a.out);
  if (a.json)
    std::cout << sim_json(r).dump(2) << "\n";
  else
    std::cout << "cluster " << req.cluster.name << ", " << a.model << " " << a.trainer_layout << " -> " << a.inference_layout
              << " (" << a.inference_dtype << ")\n"
              << sim_table(r) << published_lines(r.file.runs);
}
#else
void run_sim(const SimArgs&) {
  throw_usage("wxfer sim: this wxfer was built without SimGrid (install libsimgrid-dev and reconfigure)");
}
#endif

void add_sim_command(CLI::App& app) {
  auto args = std::make_shared<SimArgs>();
  auto* cmd = app.add_subcommand("sim", "Simulate the strategies on a modelled cluster (SimGrid)");
  cmd->add_option("--cluster", args->cluster, "Built-in cluster (h100-ib400, h800-ib, h20-ib) or a TOML file")
      ->capture_default_str();
  cmd->add_option("--model", args->model, "Built-in model name or path to a Hugging Face config.json")->capture_default_str();
  cmd->add_option("--trainer-layout", args->trainer_layout, "e.g. fsdp=256");
  cmd->add_option("--inference-layout", args->inference_layout, "e.g. tp=16,replicas=8");
  cmd->add_option("--inference-dtype", args->inference_dtype, "bf16, fp8 or mxfp4 (routed experts)")->capture_default_str();
  cmd->add_option("--strategy", args->strategy, strategy_choices())->capture_default_str();
  cmd->add_option("--bucket-size", args->bucket_size, "Broadcast bucket")->capture_default_str();
  cmd->add_option("--chunk-size", args->chunk_size, "Pipeline chunk")->capture_default_str();
  cmd->add_option("--min-segment", args->min_segment, "Smaller cuts are gathered first")->capture_default_str();
  cmd->add_option("--inference-gpus", args->inference_gpus, "Sweep: inference rank counts, e.g. 16,32,64 (replicas = n / tp)");
  cmd->add_option("--flows-per-rank", args->flows_per_rank, "Override the cluster's concurrent flows per rank");
  cmd->add_option("--max-sim-chunks", args->max_sim_chunks, "Override the cluster's pipeline steps per rank");
  cmd->add_option("--out", args->out, "Write the simulated timelines to this HDF5 file");
  cmd->add_option("--label-suffix", args->label_suffix, "Run groups are named <strategy>@<suffix> (to merge files)");
  cmd->add_option("--placement", args->placement,
                  "separate: trainer and inference GPUs on different nodes; colocated: they share GPUs (inference rank i "
                  "on trainer i's GPU; trainer weights offloaded to host memory)")
      ->capture_default_str();
  cmd->add_option("--published", args->published,
                  "A published figure to set beside the result: STRATEGY=SECONDS or by=SOURCE (repeatable; "
                  "configs/scenarios/ give them)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->add_flag("--delta", args->delta, "Strategies that can (rdma, broadcast) send only the changed elements (docs/sparse.md)");
  cmd->add_option("--update-model", args->update_model,
                  "With --delta: how many elements change per step: density:D, or adam[:lr=..] (measured on samples)")
      ->capture_default_str();
  cmd->callback([args] { run_sim(*args); });
}

const CommandRegistrar registrar{"sim", 40, add_sim_command};

}  // namespace
}  // namespace wxfer::cli
