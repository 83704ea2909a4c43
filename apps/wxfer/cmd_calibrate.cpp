// `wxfer calibrate`: measures this machine under mpirun (copy bandwidth per rank with every
// rank copying, MPI send and put bandwidth and latency, the run's broadcast) and writes a
// one-node cluster file that `wxfer sim --cluster FILE` reads (docs/simulation.md).
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "common/units.hpp"
#include "wxfer/config.hpp"

#if WXFER_HAVE_SIMGRID
#include "harness/clock.hpp"
#include "harness/copy_bandwidth.hpp"
#include "harness/mpi_probe.hpp"
#include "model/model.hpp"
#include "plan/buckets.hpp"
#include "plan/plan.hpp"
#include "sim/cluster.hpp"
#include "sim/schedule.hpp"
#include "strategy/broadcast/broadcast_strategy.hpp"
#include "transport/mpi_rma/mpi_rma_transport.hpp"
#endif

namespace wxfer::cli {
namespace {

struct CalibrateArgs {
  std::string out = "configs/clusters/local.toml";
  std::string message_size = "64MiB";
  int repeats = 8;  // the window of samples whose spread is judged
  double spread = 0.10;
  int max_samples = 30;
  std::string model = "kimi-k2-mini";  // whose strided rows the strided put probe moves
  std::string strided_row = "auto";
  std::string broadcast_size = "auto";
};

#if WXFER_HAVE_SIMGRID
// The cluster file of this machine: one node whose "GPUs" are the ranks. Everything a rank
// does is a CPU copy: every stage runs at one core's share of the copy bandwidth measured
// with all ranks copying, and every MPI flow crosses one link, the machine's aggregate MPI
// bandwidth (shared memory), which a single flow may use alone.
ClusterSpec local_cluster(int ranks, double copy_all, double copy_per_rank, const LinkProbe& send, const LinkProbe& put,
                          double put_strided, double fan_out, const BroadcastProbe& broadcast) {
  const double bcast = broadcast.rate.value;
  // `copy_per_rank`: the machine's aggregate copy bandwidth (every rank copying) over its
  // cores, since ranks beyond the core count take turns rather than copy at once.
  ClusterSpec c;
  c.name = "local";
  c.nodes = 1;
  c.gpus_per_node = ranks;
  c.nics_per_node = 1;
  // One flow may take the whole machine (the receiver copies, as with single-copy shared
  // memory); all flows share the aggregate, the faster of send and put.
  // Two-sided sends: the better of all pairs at once and one rank to many (the gather and
  // broadcast patterns); interference only ever slows a probe, so the faster pattern is the
  // better estimate of what the cores can move.
  const double two_sided = std::max(send.concurrent.value, fan_out);
  // The broadcast probe counts too: a broadcast to the upper half moves `receivers` copies
  // of each byte through the node (it sometimes outran every pair probe here, which clamped
  // efficiency.collective at 1).
  const int receivers = ranks - ranks / 2;
  c.node_memory_bandwidth = std::max({two_sided, put.concurrent.value, send.alone.value, put.alone.value, receivers * bcast});
  c.nvlink_bandwidth = c.nic_bandwidth = c.node_memory_bandwidth;  // nic: unused, one node
  // The cores that copy also move the MPI messages: every MPI byte and every copy crosses
  // the `cores` link. It carries at least what MPI was measured to move (the memcpy probe
  // can come out below the best MPI probe, 11.7-15 against 10-15.6 GB/s here): were it
  // rated below node_memory, every MPI flow would be held under the rate its efficiency was
  // derived against, and that efficiency would count twice.
  c.node_copy_bandwidth = std::max(copy_all, c.node_memory_bandwidth);
  c.h2d_bandwidth = c.device_copy_bandwidth = copy_per_rank;
  c.gather_rate = c.fusion_rate = c.quantization_rate = copy_per_rank;  // no fp8 on CPUs: a copy
  c.send_in_place = true;  // wxfer run's senders on CPUs read held weights where they lie
  // A route inside the node is two endpoint links: each carries half the latency.
  c.nvlink_latency = c.nic_latency = send.latency.value / 2;
  c.barrier_latency = put.latency.value;
  c.p2p_efficiency = std::clamp(two_sided / c.node_memory_bandwidth, 0.01, 1.0);
  c.one_sided_efficiency = std::clamp(put.concurrent.value / c.node_memory_bandwidth, 0.01, 1.0);
  // rdma's puts straight from strided held boxes (column boxes of held rows, copied row by
  // row across the boxes).
  c.one_sided_strided_efficiency = std::clamp(put_strided / c.node_memory_bandwidth, 0.01, 1.0);
  // A broadcast of B bytes to the probe's receivers (the upper half, as the run's inference
  // ranks) moves receivers * B through the shared link at best; the efficiency is what the
  // run's broadcast achieved of that.
  const double ideal = std::max(1.0 / c.nvlink_bandwidth, receivers / c.node_memory_bandwidth);
  c.collective_efficiency = std::clamp(ideal * bcast, 0.01, 1.0);
  // How the run broadcasts here: the mpi transport's flat tree on one host (the replay's
  // `linear`: the root sends to every receiver at once), or, with WXFER_MPI_BROADCAST=mpi,
  // MPI_Ibcast: Open MPI's libnbc (coll/tuned has no non-blocking collectives; adapt and han
  // are off by default) picks, by group size alone (coll_libnbc_ibcast_skip_dt_decision,
  // default true), linear for at most 4 ranks and otherwise a binomial tree of whole-buffer
  // sends: the replay's `tree`. The efficiency above holds for either: every receiver's copy
  // crosses the one memory link once, and the probe keeps two broadcasts in flight, so the
  // link is never idle.
  c.broadcast = broadcast.flat || 1 + receivers <= 4 ? BroadcastAlgorithm::linear : BroadcastAlgorithm::tree;
  c.broadcast_channels = 1;
  return c;
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << text;
    if (!f) throw_usage("cannot write '" + path + "'");
  }
  std::filesystem::rename(tmp, path);
}

// The mean row (bytes / rows) of the strided puts of `wxfer run --strategy rdma` with
// `ranks` ranks and its defaults (fsdp over the lower half, the default inference layout of
// the upper half, bf16): each put moves one row of a column box, so their total time goes
// with the number of rows, and bytes / rows is the row size whose put rate predicts it.
// 0 when the plan has no strided box.
// And the mean bucket its broadcast strategy sends (pack_buckets of the whole-model plan at
// the bucket size `wxfer run` picks on this node now: default_bucket_bytes).
struct RunShape {
  uint64_t row = 0;
  double share = 0;        // of the update's bytes
  double interleaved = 0;  // of the strided bytes: put row by row across boxes of the same rows
  uint64_t bucket = 0;
  uint64_t buckets = 0;
};
RunShape run_shape(const std::string& model_name, int ranks) {
  Model model = load_model(model_name, DType::bf16);
  const int trainers = ranks / 2;
  const TrainerLayout trainer = parse_trainer_layout("fsdp=" + std::to_string(trainers));
  const InferenceLayout inference = default_inference_layout(ranks - trainers, model.config);
  PlanOptions opt;  // wxfer run's defaults (the minimum segment is PlanOptions')
  opt.chunk_bytes = parse_bytes(kRunChunkSize, "--chunk-size");
  const Plan plan(std::move(model), trainer, inference, opt);
  const StridedShare s = strided_share(plan);
  RunShape out;
  if (s.rows > 0) out.row = std::max<uint64_t>(1, s.bytes / s.rows);
  if (s.total > 0) out.share = static_cast<double>(s.bytes) / static_cast<double>(s.total);
  if (s.bytes > 0) out.interleaved = static_cast<double>(s.interleaved) / static_cast<double>(s.bytes);
  const auto buckets = pack_buckets(whole_model_plan(plan), default_bucket_bytes(ranks));
  uint64_t bucketed = 0;
  for (const auto& b : buckets) bucketed += b.bytes;
  if (!buckets.empty()) out.bucket = bucketed / buckets.size();
  out.buckets = buckets.size();
  return out;
}

std::string format_percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%g%%", 100 * fraction);
  return text;
}

// One line of the header per measured figure: its median, spread and samples.
struct Row {
  std::string what;
  ProbeFigure figure;
  double scale = 1e-9;
  const char* unit = "GB/s";
};

std::string describe_rows(const std::vector<Row>& rows, const Steadiness& how) {
  std::string out, unsteady;
  char line[256];
  std::snprintf(line, sizeof line, "# %-62s %14s %7s %8s\n", "probe", "median", "spread", "samples");
  out += line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "# %-62s %9.2f %-4s %6.1f%% %8d%s\n", r.what.c_str(), r.figure.value * r.scale, r.unit,
                  100 * r.figure.spread, r.figure.samples, r.figure.steady ? "" : "  NOT STEADY");
    out += line;
    if (!r.figure.steady) unsteady += (unsteady.empty() ? "" : "; ") + r.what;
  }
  if (!unsteady.empty())
    out += "# Not steady within " + format_percent(how.bound) + " after " + std::to_string(how.max_samples) +
           " samples (the tightest window is kept): " + unsteady + ".\n";
  return out;
}

void run_calibrate(const CalibrateArgs& a) {
  const auto [rank, size] = start_mpi_job();  // from here on, only rank 0 prints a usage error
  const uint64_t bytes = parse_bytes(a.message_size, "--message-size");
  if (bytes < 4096 || bytes > (1u << 30)) throw_usage("invalid --message-size '" + a.message_size + "': expected 4KiB to 1GiB");
  if (a.repeats < 1) throw_usage("invalid --repeats " + std::to_string(a.repeats) + ": must be at least 1");
  if (!(a.spread >= 0 && a.spread <= 1)) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", a.spread);
    throw_usage(std::string("invalid --spread ") + text + ": expected 0 to 1 (a fraction of the median)");
  }
  if (a.max_samples < a.repeats)
    throw_usage("invalid --max-samples " + std::to_string(a.max_samples) + ": must be at least --repeats (" +
                std::to_string(a.repeats) + ")");
  if (size < 2) throw_usage("wxfer calibrate needs at least 2 ranks: mpirun -np N build/wxfer calibrate");
  const Steadiness how{a.repeats, a.spread, a.max_samples};

  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // The same bound as wxfer run's: what all ranks copy inside one agreed window.
  const double clock_offset = align_clocks(MPI_COMM_WORLD).offset;
  CopyBandwidthProbe copy_probe(bytes);
  const ProbeFigure copy_all = figure_of(
      sample_until_steady(how, 1, [&] { return std::vector<double>{copy_probe.sample_window(MPI_COMM_WORLD, clock_offset)}; }));
  const double copy = copy_all.value / std::min(size, cores);
  const LinkProbe send = probe_send(MPI_COMM_WORLD, bytes, how);
  // The put probes write into the kind of window the run's rdma receivers expose.
  const bool shared_windows = use_shared_windows(MPI_COMM_WORLD);
  LinkProbe put = probe_put(MPI_COMM_WORLD, bytes, how);
  // The pairs' aggregate is their mean rate; what rdma's senders achieve together is
  // better measured in a window, every sender to every receiver (the replay's one_sided).
  const ProbeFigure put_pairs = put.concurrent;
  const ProbeFigure put_all = probe_put_all_to_all(MPI_COMM_WORLD, bytes, clock_offset, how, kCopyWindowSeconds);
  if (put_all.value > put.concurrent.value) put.concurrent = put_all;
  // What the run moves (rank 0 derives it from the run's plan): the strided put probe's row
  // (or --strided-row) and share, and the broadcast probe's message (the run's bucket).
  uint64_t manual_row = 0;
  if (a.strided_row != "auto") {
    manual_row = parse_bytes(a.strided_row, "--strided-row");
    if (manual_row < 1 || manual_row > (1u << 20))
      throw_usage("invalid --strided-row '" + a.strided_row + "': expected 1B to 1MiB, or auto");
  }
  RunShape strided;
  if (rank == 0) strided = run_shape(a.model, size);
  if (manual_row > 0) strided.row = manual_row;
  uint64_t shape[3] = {strided.row, strided.bucket, strided.buckets};
  WXFER_CHECK_MPI(MPI_Bcast(shape, 3, MPI_UINT64_T, 0, MPI_COMM_WORLD));
  const uint64_t row = shape[0] > 0 ? shape[0] : 1024;
  double share = strided.share;
  WXFER_CHECK_MPI(MPI_Bcast(&share, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD));
  // No strided box in the plan: probe 1 KiB rows, a quarter of each chunk.
  if (!(share > 0.01 && share < 0.99)) share = 0.25;
  const StridedPutProbe strided_put = probe_put_strided(MPI_COMM_WORLD, bytes, row, share, how);
  // As the run broadcasts: its buckets (at least --message-size, at most 256 MiB: two
  // buffers per rank), as many as it has (2 to 8), two in flight.
  uint64_t bucket = std::clamp<uint64_t>(shape[1], bytes, std::max<uint64_t>(bytes, uint64_t{256} << 20));
  if (a.broadcast_size != "auto") {
    bucket = parse_bytes(a.broadcast_size, "--broadcast-size");
    if (bucket < 4096 || bucket > (1u << 30))
      throw_usage("invalid --broadcast-size '" + a.broadcast_size + "': expected 4KiB to 1GiB, or auto");
  }
  const int rounds = static_cast<int>(std::clamp<uint64_t>(shape[2], 2, 8));
  const BroadcastProbe bcast = probe_broadcast(MPI_COMM_WORLD, bucket, rounds, how);
  const ProbeFigure fan_out = probe_fan_out(MPI_COMM_WORLD, bytes, how);
  if (rank != 0) return;
  // The strided puts' efficiency: their rate relative to the contiguous puts of the same
  // chunks in the same samples, applied to the put probe's (so that drift between the two
  // probes does not count as strided cost).
  const double strided_rate = put.concurrent.value * std::min(1.0, strided_put.strided.value / strided_put.contiguous.value);
  const ClusterSpec c = local_cluster(size, copy_all.value, copy, send, put, strided_rate, fan_out.value, bcast);
  const std::string windows = shared_windows ? "MPI_Win_allocate_shared" : "MPI_Win_allocate";
  // As the run's mpi-rma puts (WXFER_MPI_RMA_PUTS): the writer's own copies or MPI_Put.
  const std::string puts = use_direct_puts(shared_windows) ? "direct put" : "MPI_Put";
  const std::string row_text = format_bytes(static_cast<double>(row));
  const std::vector<Row> rows = {
      {"copy, all ranks at once in " + std::to_string(static_cast<int>(kCopyWindowSeconds * 1000)) + " ms windows", copy_all},
      {"MPI send, one pair alone", send.alone},
      {"MPI send, all pairs at once", send.concurrent},
      {"MPI send, rank 0 to the upper half", fan_out},
      {"MPI send latency, half a round trip", send.latency, 1e6, "us"},
      {puts + " into " + windows + " windows, one pair alone", put.alone},
      {puts + ", all pairs at once", put_pairs},
      {puts + ", every sender to every receiver in " + std::to_string(static_cast<int>(kCopyWindowSeconds * 1000)) +
           " ms windows",
       put_all},
      {puts + " latency: half of put, flush, notice and reply", put.latency, 1e6, "us"},
      {puts + " chunks all contiguous", strided_put.contiguous},
      {puts + " chunks with strided rows of " + row_text, strided_put.strided},
      {std::string("broadcast (") + (bcast.flat ? "flat tree" : "MPI_Ibcast") + ") of " +
           format_bytes(static_cast<double>(bucket)) + ", " + std::to_string(rounds) + " in a row",
       bcast.rate},
  };
  char intro[1024];
  std::snprintf(
      intro, sizeof intro,
      "# Written by `wxfer calibrate` under mpirun with %d ranks on %s (%s messages, %d cores).\n"
      "# Every probe streams ~%.0f ms samples until the last %d agree within %s (interquartile range / median), at most "
      "%d;\n# the median of those is kept. Strided rows: %s (%.0f%% of its bytes, %.0f%% of them put row by row "
      "across boxes).\n",
      size, host_name().c_str(), a.message_size.c_str(), cores, kProbeSampleSeconds * 1000, how.window,
      format_percent(how.bound).c_str(), how.max_samples,
      a.strided_row != "auto" ? "--strided-row" : ("wxfer run's " + a.model + " rdma plan").c_str(), 100 * strided.share,
      100 * strided.interleaved);
  const std::string header =
      intro + describe_rows(rows, how) + "# One node, one \"GPU\" per rank; all flows and copies share node_memory.\n";
  write_atomically(a.out, cluster_to_toml(c, header));
  std::printf("%swrote %s\n", header.c_str(), a.out.c_str());
}
#else
void run_calibrate(const CalibrateArgs&) {
  throw_usage("wxfer calibrate: this wxfer was built without SimGrid (its output is a wxfer sim cluster file)");
}
#endif

void add_calibrate_command(CLI::App& app) {
  auto args = std::make_shared<CalibrateArgs>();
  auto* cmd = app.add_subcommand("calibrate", "Measure this machine under mpirun and write a cluster file for wxfer sim");
  cmd->add_option("--out", args->out, "Cluster file to write")->capture_default_str();
  cmd->add_option("--message-size", args->message_size, "Bytes per measured message")->capture_default_str();
  cmd->add_option("--repeats", args->repeats, "Samples per figure that must agree within --spread (their median is kept)")
      ->capture_default_str();
  cmd->add_option("--spread", args->spread,
                  "Largest interquartile range / median of those samples that counts as steady (0.1: 10%)")
      ->capture_default_str();
  cmd->add_option("--max-samples", args->max_samples,
                  "Samples per figure before giving up on steadiness (the tightest window is kept and flagged)")
      ->capture_default_str();
  cmd->add_option("--model", args->model, "Model of the wxfer run whose strided put rows are probed")->capture_default_str();
  cmd->add_option("--broadcast-size", args->broadcast_size,
                  "Message of the broadcast probe (auto: the run's mean bucket, at most 256 MiB)")
      ->capture_default_str();
  cmd->add_option("--strided-row", args->strided_row,
                  "Row of the strided put probe (auto: the mean row of the run's strided puts)")
      ->capture_default_str();
  cmd->callback([args] { run_calibrate(*args); });
}

const CommandRegistrar registrar{"calibrate", 45, add_calibrate_command};

}  // namespace
}  // namespace wxfer::cli
