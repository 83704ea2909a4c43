// `wxfer run`: the mpirun job. Trainer and inference ranks run full weight updates through
// each selected strategy, verify every byte, and rank 0 writes the timelines to HDF5.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "commands.hpp"
#include "common/build_info.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/stats.hpp"
#include "common/units.hpp"
#include "harness/copy_bandwidth.hpp"
#include "harness/core_spreader.hpp"
#include "harness/host_links.hpp"
#include "harness/memory_settle.hpp"
#include "harness/recorder.hpp"
#include "harness/step_loop.hpp"
#include "harness/watchdog.hpp"
#include "harness/weights.hpp"
#include "published.hpp"
#include "record/run_file.hpp"
#include "report/report_format.hpp"
#include "report/run_stats.hpp"
#include "transport/registry.hpp"

namespace wxfer::cli {
namespace {

struct RunArgs {
  std::string model = "kimi-k2-mini";
  int trainers = 0;
  std::string trainer_layout;
  std::string inference_layout;
  std::string inference_dtype = "bf16";
  std::string strategy = "all";
  std::string transport;
  int steps = 5;
  int warmup = 1;
  std::string bucket_size = "auto";
  std::string chunk_size = kRunChunkSize;
  std::string max_tmp = "auto";
  std::string min_segment = kDefaultMinSegment;
  std::string timeout = "300";
  std::string out = "results/run.h5";
  bool no_verify = false;
  bool fuse_projections = false;
  bool offloaded = false;
  std::string update_model = "versioned";
  bool delta = false;
  int full_every = 0;
  std::string inject;                  // a fault for the checks to catch
  std::vector<std::string> published;  // STRATEGY=SECONDS, by=SOURCE (a scenario's figures)
  std::string label_suffix;            // wxfer sweep: "np=4,bucket=16MiB" makes labels "broadcast@np=4,bucket=16MiB"
  std::string command_line;
};

std::string utc_now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

void print_step(const std::string& label, const StepRecord& s, uint64_t must_land, int32_t steps) {
  const std::string bound = s.bound_seconds > 0
                                ? " (bound before it " + format_seconds(s.bound_seconds) + ": " +
                                      std::to_string(static_cast<int>(100 * s.bound_seconds / s.seconds + 0.5)) + "%)"
                                : "";
  char sparse[96] = "";
  if (s.delta)
    std::snprintf(sparse, sizeof(sparse), " (delta: %.2f%% of elements changed, %.2f%% of a whole update's bytes sent)",
                  100 * s.changed_fraction, 100.0 * static_cast<double>(s.bytes_landed) / static_cast<double>(s.whole_bytes));
  std::printf("[%-9s] step %d/%d: %s%s, %.2f GB/s landed%s%s\n", label.c_str(), s.step + 1, steps,
              format_seconds(s.seconds).c_str(), bound.c_str(), static_cast<double>(must_land) / s.seconds / 1e9, sparse,
              s.verified ? ", every byte verified" : "");
  std::fflush(stdout);
}

void check_output_path(const std::string& out) {
  const std::filesystem::path p(out);
  if (p.filename().empty()) throw_usage("invalid --out '" + out + "': not a file name");
  const auto dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir)) throw_usage("invalid --out '" + out + "': cannot create directory " + dir.string());
}

// What recording cost the run: the busiest rank's events in one step, each at the measured
// cost of one record(), against the median update time.
void add_recording_cost(StrategyRun& run, double record_seconds) {
  std::map<std::pair<int32_t, int32_t>, double> per_rank_step;
  double most = 0;
  for (const Event& e : run.events)
    if (e.step >= 0) most = std::max(most, ++per_rank_step[{e.rank, e.step}]);
  std::vector<double> seconds;
  for (const StepRecord& s : run.steps) seconds.push_back(s.seconds);
  const double update = seconds.empty() ? 0 : median(seconds);
  run.metrics["record_event_seconds"] = record_seconds;
  run.metrics["record_events_per_rank_step"] = most;
  run.metrics["record_overhead"] = update > 0 ? most * record_seconds / update : 0;
}

void run_job(const RunArgs& a) {
  const auto [rank, size] = start_mpi_job();

  // Validate everything before any rank allocates or communicates.
  if (size < 2)
    throw_usage("wxfer run needs at least 2 MPI ranks (got " + std::to_string(size) + "); start it with mpirun -np N");
  RankLayout ranks;
  ranks.trainers = a.trainers > 0 ? a.trainers : size / 2;
  ranks.inference = size - ranks.trainers;
  if (ranks.trainers < 1 || ranks.inference < 1)
    throw_usage("invalid --trainers " + std::to_string(a.trainers) + ": must leave at least one of " + std::to_string(size) +
                " ranks for inference");
  if (a.steps < 1) throw_usage("invalid --steps " + std::to_string(a.steps) + ": must be at least 1");
  if (a.warmup < 0) throw_usage("invalid --warmup " + std::to_string(a.warmup) + ": must be 0 or more");
  StrategyOptions options;
  options.chunk_bytes = parse_bytes(a.chunk_size, "--chunk-size");
  if (options.chunk_bytes == 0) throw_usage("invalid --chunk-size '" + a.chunk_size + "': must be positive");
  options.bucket_bytes = a.bucket_size == "auto" ? 0 : parse_bytes(a.bucket_size, "--bucket-size");
  if (a.bucket_size != "auto" && options.bucket_bytes == 0)
    throw_usage("invalid --bucket-size '" + a.bucket_size + "': must be positive");
  options.max_tmp_bytes = a.max_tmp == "auto" ? 0 : parse_bytes(a.max_tmp, "--max-tmp-bytes");
  if (a.max_tmp != "auto" && options.max_tmp_bytes == 0)
    throw_usage("invalid --max-tmp-bytes '" + a.max_tmp + "': must be positive");
  options.timeout_seconds = parse_seconds(a.timeout, "--timeout");
  options.offloaded = a.offloaded;
  // Machine workarounds for crowded or ballooned VMs, off on an ordinary cluster node.
  const CoreSpreading spreading = core_spreading_from_environment();
  const Settling settling = settling_from_environment();
  const Fault fault = a.inject.empty() ? Fault{} : parse_fault(a.inject);
  if (fault.kind != Fault::Kind::none && (fault.rank >= size || fault.step >= a.steps))
    throw_usage("invalid --inject '" + a.inject + "': rank " + std::to_string(fault.rank) + " and step " +
                std::to_string(fault.step) + " must name a rank below " + std::to_string(size) + " and a step below --steps " +
                std::to_string(a.steps));
  // Rank 0 writes the file, so it judges the path; every rank learns the verdict before any
  // other collective, so that all refuse together instead of the rest waiting for rank 0.
  std::string bad_output;
  if (rank == 0) {
    try {
      check_output_path(a.out);
    } catch (const UsageError& e) {
      bad_output = e.what();
    }
  }
  int refused = bad_output.empty() ? 0 : 1;
  WXFER_CHECK_MPI(MPI_Bcast(&refused, 1, MPI_INT, 0, MPI_COMM_WORLD));
  if (refused != 0) throw_usage(rank == 0 ? bad_output : "invalid --out (rank 0 says why)");
  const std::vector<const StrategyEntry*> chosen = select_strategies(a.strategy);
  const PublishedFigures published = PublishedFigures::parse(a.published);
  const UpdateModel update_model = UpdateModel::parse(a.update_model);
  if (a.full_every < 0) throw_usage("invalid --full-every " + std::to_string(a.full_every) + ": must be 0 or more");
  if (a.full_every > 0 && !a.delta) throw_usage("invalid --full-every " + std::to_string(a.full_every) + ": it needs --delta");
  if (a.delta && chosen.size() == 1 && !chosen.front()->sends_deltas) {
    std::string which;
    for (const auto& e : strategy_registry())
      if (e.sends_deltas) which += (which.empty() ? "" : ", ") + std::string(e.name);
    throw_usage("invalid --delta with --strategy " + a.strategy + ": it sends whole updates only (delta: " + which + ")");
  }
  options.delta = a.delta;
  options.full_every = static_cast<uint32_t>(a.full_every);

  Model model = load_model(a.model, DType::bf16);
  const TrainerLayout trainer = a.trainer_layout.empty() ? parse_trainer_layout("fsdp=" + std::to_string(ranks.trainers))
                                                         : parse_trainer_layout(a.trainer_layout);
  const InferenceLayout inference = a.inference_layout.empty() ? default_inference_layout(ranks.inference, model.config)
                                                               : parse_inference_layout(a.inference_layout);
  if (trainer.ranks() != ranks.trainers)
    throw_usage("trainer layout '" + trainer.to_string() + "' needs " + std::to_string(trainer.ranks()) + " ranks, but " +
                std::to_string(ranks.trainers) + " ranks train (--trainers)");
  if (inference.ranks() != ranks.inference)
    throw_usage("inference layout '" + inference.to_string() + "' needs " + std::to_string(inference.ranks()) + " ranks, but " +
                std::to_string(ranks.inference) + " ranks serve inference");
  PlanOptions plan_options;
  plan_options.inference_dtype = parse_inventory_dtype(a.inference_dtype, "--inference-dtype");
  plan_options.chunk_bytes = options.chunk_bytes;
  plan_options.fuse_projections = a.fuse_projections;
  plan_options.min_segment_bytes = parse_bytes(a.min_segment, "--min-segment");
  const Plan plan(std::move(model), trainer, inference, plan_options);

  const Control control(MPI_COMM_WORLD, options.timeout_seconds);
  // Every collective phase from here on is watched: a rank that stops answering (stopped,
  // killed, stuck inside MPI) ends the job within --timeout and a few seconds.
  Watchdog watchdog(rank, host_name());
  auto watched = std::make_unique<Watchdog::Phase>(&watchdog, "start-up: clock alignment and the copy bound", control.deadline());
  const ClockAlignment clock = align_clocks(MPI_COMM_WORLD);
  // One probe (its buffers allocated once) for the bound at start-up and before every step.
  CopyBandwidthProbe probe;
  const auto landed = static_cast<double>(plan.stats().total_bytes);
  const double copy_bw = probe.measure_window(MPI_COMM_WORLD, clock.offset, 5, kCopyWindowSeconds);
  // Across hosts the busiest host link bounds the update too: its bytes at its measured rate.
  const HostMap host_map = map_hosts(MPI_COMM_WORLD);
  HostLinkRates link_rates;
  NetworkBound network;
  if (host_map.hosts() > 1) {
    watched.reset();
    watched = std::make_unique<Watchdog::Phase>(&watchdog, "start-up: the host links", control.deadline());
    link_rates = measure_host_links(MPI_COMM_WORLD, host_map);
    network = network_bound(host_traffic(plan, ranks, host_map), link_rates);
  }
  const double bound = std::max(landed / copy_bw, network.seconds);
  const std::string bound_kind = network.seconds > landed / copy_bw ? "network" : "memcpy";
  const double record_seconds = control.max(measure_record_seconds(), control.deadline());  // the slowest rank's cost per event
  if (rank == 0) {
    std::printf("wxfer run: %s, %d trainer ranks (%s) -> %d inference ranks (%s), %s per update\n",
                plan.trainer_model().name.c_str(), ranks.trainers, trainer.to_string().c_str(), ranks.inference,
                inference.to_string().c_str(), format_bytes(static_cast<double>(plan.stats().total_bytes)).c_str());
    std::printf("bound: %s at the measured aggregate copy bandwidth of %.2f GB/s (%d ranks; measured again before every step)\n",
                format_seconds(landed / copy_bw).c_str(), copy_bw / 1e9, size);
    if (network.host >= 0)
      std::printf("network bound: %s for the busiest host link (%s %s at %.2f GB/s, measured host to host; %d hosts)%s\n",
                  format_seconds(network.seconds).c_str(), host_map.names[static_cast<size_t>(network.host)].c_str(),
                  network.sending ? "sending" : "receiving", network.rate / 1e9, host_map.hosts(),
                  bound_kind == "network" ? ": the run's bound" : "");
    std::fflush(stdout);
  }

  const bool trainer_rank = ranks.is_trainer(rank);
  std::unique_ptr<TrainerShards> shards;
  std::unique_ptr<InferenceMemory> memory;
  if (trainer_rank) {
    shards = std::make_unique<TrainerShards>(plan, rank, update_model);
    if (options.delta) shards->track_changes();  // the optimizer hook that delta senders read
  } else {
    memory = std::make_unique<InferenceMemory>(plan, ranks.inference_index(rank), update_model);
  }
  Recorder recorder(rank, clock.offset);
  CoreSpreader cores(MPI_COMM_WORLD, spreading);
  if (rank == 0) std::printf("core spreading: %s\n", cores.describe().c_str());
  const MemorySettle settle(MPI_COMM_WORLD, settling);
  if (rank == 0 && chosen.size() > 1) std::printf("settling between strategies: %s\n", settle.describe().c_str());

  RunFile file;
  file.kind = "run";
  file.wxfer_version = version();
  file.command_line = a.command_line;
  file.created = utc_now();
  StepLoopSettings settings;
  settings.steps = a.steps;
  settings.warmup = a.warmup;
  settings.verify = !a.no_verify;
  settings.fault = fault;
  settings.on_step = print_step;
  settings.cores = &cores;
  settings.watchdog = &watchdog;
  watched.reset();
  settings.bound_seconds = [landed, &probe, &clock, network] {
    return std::max(landed / probe.measure_window(MPI_COMM_WORLD, clock.offset, 3, kCopyWindowSeconds), network.seconds);
  };
  uint32_t version_counter = 0;
  for (const StrategyEntry* entry : chosen) {
    // The previous strategy's teardown freed its buffers: wait out the host taking them back.
    const double settled = entry == chosen.front() ? 0.0 : settle.settle();
    const std::string transport_name = a.transport.empty() ? entry->default_transport : a.transport;
    watched = std::make_unique<Watchdog::Phase>(&watchdog, std::string(entry->name) + ": transport set-up", control.deadline());
    auto transport = make_transport(transport_name, control, entry->needs, std::string("strategy '") + entry->name + "'");
    watched.reset();
    StrategyEnv env{plan, ranks, *transport, control, recorder, shards.get(), memory.get(), rank, options};
    env.options.delta = options.delta && entry->sends_deltas;
    if (rank == 0 && options.delta && !entry->sends_deltas)
      std::printf("[%-9s] sends whole updates (no delta encoding)\n", entry->name);
    const uint64_t moves_before = cores.moves();
    StrategyRun run = run_strategy(*entry, env, settings, version_counter);
    watched = std::make_unique<Watchdog::Phase>(&watchdog, std::string(entry->name) + ": transport teardown", control.deadline());
    transport->close(control.deadline());
    run.metrics["core_moves"] = control.sum(static_cast<double>(cores.moves() - moves_before), control.deadline());
    run.metrics["settle_seconds"] = settled;
    if (!a.label_suffix.empty()) run.label += "@" + a.label_suffix;
    published.attach(run);
    run.metrics["start_bound_seconds"] = bound;
    if (run.lower_bound_seconds <= 0) run.lower_bound_seconds = bound;
    run.bound_kind = bound_kind;
    run.params["trainer_layout"] = trainer.to_string();
    run.params["inference_layout"] = inference.to_string();
    run.params["chunk_bytes"] = options.chunk_bytes;
    run.params["ranks"] = size;
    add_recording_cost(run, record_seconds);
    file.runs.push_back(std::move(run));
    watched.reset();
  }

  watched = std::make_unique<Watchdog::Phase>(&watchdog, "the end: gathering the ranks' clocks", control.deadline());
  cores.close(control.deadline());

  // Ranks and hosts (gathered at start-up: host_map), then one file written by rank 0.
  double clock_mine[2] = {clock.offset, clock.error};
  std::vector<double> clocks(static_cast<size_t>(size) * 2);
  WXFER_CHECK_MPI(MPI_Gather(clock_mine, 2, MPI_DOUBLE, clocks.data(), 2, MPI_DOUBLE, 0, MPI_COMM_WORLD));
  if (rank != 0) return;
  for (int r = 0; r < size; ++r) {
    RankInfo info;
    info.rank = r;
    info.role = ranks.is_trainer(r) ? "trainer" : "inference";
    info.host = host_map.names[static_cast<size_t>(host_map.host_of_rank[static_cast<size_t>(r)])];
    info.clock_offset = clocks[static_cast<size_t>(r) * 2];
    info.clock_error = clocks[static_cast<size_t>(r) * 2 + 1];
    file.clock_error = std::max(file.clock_error, info.clock_error);
    file.ranks.push_back(info);
  }
  const std::set<std::string> distinct(host_map.names.begin(), host_map.names.end());
  file.hosts.assign(distinct.begin(), distinct.end());
  file.machine = machine_description();
  file.config = {{"model", plan.trainer_model().name},
                 {"trainers", ranks.trainers},
                 {"inference", ranks.inference},
                 {"trainer_layout", trainer.to_string()},
                 {"inference_layout", inference.to_string()},
                 {"inference_dtype", a.inference_dtype},
                 {"strategy", a.strategy},
                 {"transport", a.transport.empty() ? "default" : a.transport},
                 {"steps", a.steps},
                 {"warmup", a.warmup},
                 {"bucket_size", a.bucket_size},
                 {"chunk_bytes", options.chunk_bytes},
                 {"max_tmp_bytes", a.max_tmp},
                 {"fuse_projections", a.fuse_projections},
                 {"offloaded_weights", a.offloaded},
                 {"min_segment_bytes", plan_options.min_segment_bytes},
                 {"timeout_seconds", options.timeout_seconds},
                 {"core_spreading", cores.describe()},
                 {"settle", settle.describe()},
                 {"verify", !a.no_verify},
                 {"inject", a.inject},
                 {"update_model", update_model.to_string()},
                 {"delta", a.delta},
                 {"full_every", a.full_every},
                 {"copy_bandwidth", copy_bw},
                 {"host_link_rates", {{"hosts", host_map.names}, {"out", link_rates.out}, {"in", link_rates.in}}},
                 {"network_bound_seconds", network.seconds},
                 // Transport settings (WXFER_MPI_BROADCAST, WXFER_VERBS_*) change how bytes move.
                 {"environment", environment_with_prefix("WXFER_")}};
  if (!published.seconds.empty()) file.config["published"] = published.json();
  write_run_file(file, a.out);
  std::cout << "\n"
            << report::markdown_summary(report::compute_file_stats(file, a.out))
            << "\nefficiency = lower bound / median; raw reference: the same bytes through a plain blocking MPI loop"
               " (MPI_Bcast per bucket; gather to rank 0 then MPI_Send to each inference rank)\n"
            << "wrote " << a.out << " (per-stage breakdown: wxfer report " << a.out << ")\n"
            << published_lines(file.runs);
  for (const StrategyRun& run : file.runs)
    std::printf("recording (%s): at most %.0f events per rank per step at %s each: %.3f%% of the median update (target <= 1%%)\n",
                run.label.c_str(), run.metrics.at("record_events_per_rank_step"),
                format_seconds(run.metrics.at("record_event_seconds")).c_str(), 100.0 * run.metrics.at("record_overhead"));
}

void add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Run full weight updates under mpirun through each strategy, verify, record to HDF5");
  std::string config;  // expanded before parsing (config_file.hpp); declared for --help
  cmd->add_option("--config", config, "Read options from a TOML file, key = value per option (see configs/runs/)");
  cmd->add_option("--model", args->model, "Built-in model name or config.json path")->capture_default_str();
  cmd->add_option("--trainers", args->trainers, "Ranks that train (the first T); default: half");
  cmd->add_option("--trainer-layout", args->trainer_layout, "Default: fsdp=<trainers>");
  cmd->add_option("--inference-layout", args->inference_layout, "Default: tp=<largest power of two <= 8 that fits>,replicas=...");
  cmd->add_option("--inference-dtype", args->inference_dtype,
                  "bf16, fp8 (quantized on the sender, FP8 checkpoint layout) or mxfp4 (routed experts, as gpt-oss)")
      ->capture_default_str();
  cmd->add_option("--strategy", args->strategy, strategy_choices())->capture_default_str();
  cmd->add_option("--transport", args->transport, "Override every strategy's transport (see wxfer transports)");
  cmd->add_option("--steps", args->steps, "Measured update steps per strategy")->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "Warm-up steps (not recorded)")->capture_default_str();
  cmd->add_option("--bucket-size", args->bucket_size, "broadcast bucket; auto: from free memory as checkpoint-engine")
      ->capture_default_str();
  cmd->add_option("--chunk-size", args->chunk_size, "Pipeline chunk")->capture_default_str();
  cmd->add_option("--max-tmp-bytes", args->max_tmp, "Sender pipeline's temporary memory (rdma); auto: 4 chunks' worth")
      ->capture_default_str();
  cmd->add_option("--min-segment", args->min_segment, "Smaller plan cuts are gathered on one sender")->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "Deadline in seconds on every blocking wait")->capture_default_str();
  cmd->add_option("--out", args->out, "HDF5 output file")->capture_default_str();
  cmd->add_flag("--fuse-projections", args->fuse_projections,
                "Lay out inference memory as the engine's fused tensors (qkv_proj, gate_up_proj, ...; docs/pipeline.md)");
  cmd->add_flag("--offloaded-weights", args->offloaded,
                "Trainer weights sit in an offload buffer: senders copy every box out first (stage_in)");
  cmd->add_flag("--no-verify", args->no_verify, "Skip the byte-by-byte check after each step");
  cmd->add_option("--update-model", args->update_model,
                  "How weights change between versions: versioned (every element), density:D (a fraction D of elements "
                  "per step) or adam[:lr=1e-5,scale=0.02,drift=0.5] (bf16 rounding of fp32 master weights; docs/sparse.md)")
      ->capture_default_str();
  cmd->add_flag("--delta", args->delta,
                "Send only what changed since the receivers' version (rdma, broadcast; gather sends whole updates)");
  cmd->add_option("--full-every", args->full_every, "With --delta: a whole update every N versions (0: only the first)")
      ->capture_default_str();
  cmd->add_option("--inject", args->inject,
                  "A fault for the checks to catch: KIND[:rank=R][,step=S], KIND corrupt (a byte flipped in flight), drop (a put "
                  "not issued), duplicate (a put issued twice), swap-scales (two fp8 block scales exchanged), stall (the rank "
                  "stops answering) or kill (the rank dies); rank 0, step 0 by default");
  cmd->add_option("--label-suffix", args->label_suffix, "Run groups are named <strategy>@<suffix> (what wxfer sweep passes)");
  cmd->add_option("--published", args->published,
                  "A published figure to set beside the result: STRATEGY=SECONDS or by=SOURCE (repeatable; "
                  "configs/scenarios/ give them)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->callback([args] {
    args->command_line = invocation();
    run_job(*args);
  });
}

const CommandRegistrar registrar{"run", 20, add_run_command};

}  // namespace
}  // namespace wxfer::cli
