// Reads a `wxfer run` output back and checks it: every expected strategy present, every
// step verified with the plan's bytes, events from every rank, a positive bound.
// Usage: check_run_file [--hosts HOST,HOST,...] FILE RANKS STEPS STRATEGY...
// --hosts: the host each rank ran on, in rank order (a job across hosts).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/process.hpp"
#include "common/stats.hpp"
#include "record/run_file.hpp"
#include "record/stages.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> hosts_expected;
  if (argc > 2 && std::string(argv[1]) == "--hosts") {
    for (std::string list = argv[2]; !list.empty();) {
      const size_t comma = list.find(',');
      hosts_expected.push_back(list.substr(0, comma));
      list = comma == std::string::npos ? "" : list.substr(comma + 1);
    }
    argv += 2;
    argc -= 2;
  }
  if (argc < 5) {
    std::fprintf(stderr, "usage: check_run_file [--hosts HOST,HOST,...] FILE RANKS STEPS STRATEGY...\n");
    return 2;
  }
  int failures = 0;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) {
      std::fprintf(stderr, "check_run_file: %s\n", what.c_str());
      ++failures;
    }
  };
  wxfer::RunFile f;
  try {
    f = wxfer::read_run_file(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "check_run_file: %s\n", e.what());
    return 1;
  }
  const int ranks = std::atoi(argv[2]);
  const size_t steps = static_cast<size_t>(std::atoi(argv[3]));
  expect(f.kind == "run", "kind is " + f.kind);
  expect(static_cast<int>(f.ranks.size()) == ranks, "ranks table has " + std::to_string(f.ranks.size()) + " rows");
  std::set<std::string> hosts;
  for (size_t r = 0; r < f.ranks.size(); ++r) {
    const std::string& host = f.ranks[r].host;
    hosts.insert(host);
    if (!hosts_expected.empty())
      expect(r < hosts_expected.size() && host == hosts_expected[r],
             "rank " + std::to_string(r) + " ran on '" + host + "', not on '" +
                 (r < hosts_expected.size() ? hosts_expected[r] : std::string("?")) + "'");
  }
  expect(hosts_expected.empty() || hosts_expected.size() == f.ranks.size(), "--hosts names a host for every rank");
  const bool one_host = hosts.size() == 1;
  expect(!f.command_line.empty() && f.config.contains("model"), "configuration attributes missing");
  for (const char* key : {"host", "cpu_model", "cpus", "memory_gib", "kernel"})
    expect(f.machine.contains(key), std::string("machine description lacks ") + key);
  // Every stage recorded is in the one table (record/stages.hpp).
  for (const auto& run : f.runs)
    for (const auto& e : run.events)
      if (const std::string_view name(e.stage, strnlen(e.stage, sizeof e.stage)); wxfer::find_stage(name) == nullptr) {
        expect(false, run.label + ": stage '" + std::string(name) + "' is not in the stage table");
        break;
      }
  // The run's WXFER_ settings are recorded; ctest gives this check the run's environment.
  const auto recorded = f.config.value("environment", nlohmann::json::object());
  expect(recorded.is_object(), "config.environment is not an object");
  for (const auto& [name, value] : wxfer::environment_with_prefix("WXFER_"))
    expect(recorded.value(name, std::string("(missing)")) == value, "config.environment lacks " + name + "=" + value);
  for (const auto& [name, value] : recorded.items())
    expect(name.rfind("WXFER_", 0) == 0, "config.environment holds " + name + ", not a WXFER_ setting");
  // Settling between strategies: recorded, and when on, every run after the first waited
  // at least the quiet period (2.6 s with the kernel's counter, 3 s without); else none did.
  const std::string settle = f.config.value("settle", std::string());
  expect(settle.rfind("on (", 0) == 0 || settle.rfind("off (", 0) == 0, "config.settle is '" + settle + "'");
  for (size_t i = 0; i < f.runs.size(); ++i) {
    const auto waited = f.runs[i].metrics.find("settle_seconds");
    expect(waited != f.runs[i].metrics.end(), f.runs[i].label + ": no settle_seconds");
    if (waited == f.runs[i].metrics.end()) continue;
    const bool should_wait = i > 0 && settle.rfind("on (", 0) == 0;
    expect(should_wait ? waited->second >= 2.6 : waited->second == 0,
           f.runs[i].label + ": settled " + std::to_string(waited->second) + " s with settle " + settle);
  }
  for (int a = 4; a < argc; ++a) {
    const std::string name = argv[a];
    const wxfer::StrategyRun* run = nullptr;
    for (const auto& r : f.runs)
      if (r.label == name) run = &r;
    expect(run != nullptr, "no /runs/" + name);
    if (run == nullptr) continue;
    expect(run->steps.size() == steps, name + ": " + std::to_string(run->steps.size()) + " steps");
    std::vector<double> bounds;
    for (const auto& s : run->steps) {
      expect(s.verified == 1, name + ": step not verified");
      expect(s.seconds > 0 && s.t_end > s.t_begin, name + ": bad step times");
      // Counted at the senders: rdma writes exactly what must land; gather and broadcast send
      // every inference rank the same whole tensors, at least what it must hold.
      const auto inference = static_cast<uint64_t>(
          std::count_if(f.ranks.begin(), f.ranks.end(), [](const auto& r) { return r.role == "inference"; }));
      if (s.delta != 0)  // patches and whole segments: checked against the puts below
        expect(s.bytes_landed > 0 && s.changed_fraction >= 0 && s.changed_fraction <= 1,
               name + ": delta step with " + std::to_string(s.bytes_landed) + " bytes, changed " +
                   std::to_string(s.changed_fraction));
      else if (run->strategy == "rdma")
        expect(s.bytes_landed == run->bytes_per_step && s.bytes_landed > 0, name + ": bytes landed");
      else
        expect(inference > 0 && s.bytes_landed % inference == 0 && s.bytes_landed >= run->bytes_per_step &&
                   s.bytes_landed == run->steps.front().bytes_landed,
               name + ": bytes landed " + std::to_string(s.bytes_landed));
      bounds.push_back(s.bound_seconds);
    }
    // Across hosts the busiest host link may set the bound instead of memory.
    expect(run->lower_bound_seconds > 0 && (run->bound_kind == "memcpy" || (!one_host && run->bound_kind == "network")),
           name + ": bound " + run->bound_kind);
    // How the MPI transports moved the bytes, as chosen for one host or for several (or
    // forced by the run's WXFER_ settings, which ctest gives this check too).
    const auto chosen = run->params.value("transport_settings", nlohmann::json::object());
    auto setting = [](const char* variable) {
      const char* v = std::getenv(variable);
      return std::string(v == nullptr ? "" : v);
    };
    if (run->transport == "mpi" || run->transport == "mpi-rma")
      expect(
          chosen.value("broadcast", std::string()) == (setting("WXFER_MPI_BROADCAST") == "mpi" ? "MPI_Ibcast"
                                                       : one_host                              ? "flat"
                                                                  : "flat where a group shares one host, MPI_Ibcast otherwise"),
          name + ": transport_settings.broadcast is '" + chosen.value("broadcast", std::string()) + "'");
    if (run->transport == "mpi-rma")
      expect(chosen.value("windows", std::string()) ==
                 (setting("WXFER_MPI_RMA_WINDOW") == "allocate" || !one_host ? "MPI_Win_allocate" : "MPI_Win_allocate_shared"),
             name + ": transport_settings.windows is '" + chosen.value("windows", std::string()) + "'");
    // What the transport issued, per measured step: rdma puts exactly the bytes that must
    // land; into shared windows with direct copies, one put per planned transfer (a box),
    // with MPI_Put at least one per transfer (a put per row of a strided box).
    const bool direct_puts = run->transport == "mpi-rma" && one_host && setting("WXFER_MPI_RMA_WINDOW") != "allocate" &&
                             setting("WXFER_MPI_RMA_PUTS") != "mpi";
    if (run->transport == "mpi-rma")
      expect(chosen.value("puts", std::string()) == (direct_puts ? "direct copies into the shared window" : "MPI_Put"),
             name + ": transport_settings.puts is '" + chosen.value("puts", std::string()) + "'");
    for (const auto& s : run->steps) {
      std::map<std::string, std::pair<uint64_t, uint64_t>> by_kind;  // ops, bytes
      std::set<int32_t> issuing;
      for (const auto& o : run->ops)
        if (o.step == s.step) {
          auto& k = by_kind[std::string(o.kind, strnlen(o.kind, sizeof o.kind))];
          k.first += o.ops;
          k.second += o.bytes;
          issuing.insert(o.rank);
          expect(o.size_class >= 0 && o.size_class < 48 && o.ops > 0, name + ": bad ops row");
        }
      expect(!by_kind.empty(), name + ": step " + std::to_string(s.step) + " recorded no operations");
      if (run->strategy == "rdma" && s.delta != 0) {
        expect(by_kind["put"].second == s.bytes_landed, name + ": puts moved " + std::to_string(by_kind["put"].second) +
                                                            " bytes, the delta step " + std::to_string(s.bytes_landed));
      } else if (run->strategy == "rdma") {
        const auto transfers = run->params.value("plan_transfers", uint64_t{0});
        expect(by_kind["put"].second == run->bytes_per_step,
               name + ": puts moved " + std::to_string(by_kind["put"].second) + " bytes, not the plan's");
        expect(transfers > 0 && (direct_puts ? by_kind["put"].first == transfers : by_kind["put"].first >= transfers),
               name + ": " + std::to_string(by_kind["put"].first) + " puts for " + std::to_string(transfers) + " transfers");
      }
      if (run->strategy == "broadcast") expect(by_kind["broadcast"].first > 0, name + ": no broadcast operations");
      if (run->strategy == "gather") expect(by_kind["send"].first > 0 && by_kind["recv"].first > 0, name + ": no sends");
    }
    // --delta: a strategy that sends deltas sends them at every step after its first whole one,
    // but at the versions --full-every makes whole; a density:D model changes about D of the
    // elements, and the bytes sent are a small part of a whole update.
    const bool delta_run = f.config.value("delta", false) && run->params.value("delta", false);
    const auto full_every = f.config.value("full_every", 0);
    const std::string update = f.config.value("update_model", std::string("versioned"));
    size_t delta_steps = 0;
    for (const auto& s : run->steps) {
      delta_steps += s.delta;
      expect(delta_run || s.delta == 0, name + ": a delta step without --delta");
      if (s.delta == 0 || update.rfind("density:", 0) != 0) continue;
      const double density = std::stod(update.substr(8));
      expect(std::abs(s.changed_fraction - density) < 0.5 * density,
             name + ": " + std::to_string(s.changed_fraction) + " changed under " + update);
      expect(s.whole_bytes >= run->bytes_per_step &&
                 static_cast<double>(s.bytes_landed) < 5 * density * static_cast<double>(s.whole_bytes),
             name + ": a delta step sent " + std::to_string(s.bytes_landed) + " of " + std::to_string(s.whole_bytes) + " bytes");
    }
    if (delta_run)
      expect(full_every > 0 ? delta_steps > 0 && delta_steps < run->steps.size() : delta_steps == run->steps.size(),
             name + ": " + std::to_string(delta_steps) + " delta steps of " + std::to_string(run->steps.size()));
    // gather and broadcast: the raw reference loop after each step (runs of up to 5 steps),
    // and metric.reference_seconds their median; rdma has none.
    const bool has_reference = run->strategy == "gather" || run->strategy == "broadcast";
    std::vector<double> references;
    for (const auto& s : run->steps) references.push_back(s.reference_seconds);
    const auto metric = run->metrics.find("reference_seconds");
    if (has_reference && steps <= 5) {
      expect(!references.empty() && *std::min_element(references.begin(), references.end()) > 0,
             name + ": a step without its reference loop");
      expect(metric != run->metrics.end() && !references.empty() && wxfer::median(references) == metric->second,
             name + ": metric.reference_seconds is not the median of the steps' reference loops");
    }
    if (!has_reference)
      expect(references.empty() || *std::max_element(references.begin(), references.end()) == 0,
             name + ": a reference loop for " + run->strategy);
    // Each step carries the bound measured before it; the run's bound is their median.
    expect(!bounds.empty() && *std::min_element(bounds.begin(), bounds.end()) > 0, name + ": a step without its bound");
    expect(bounds.empty() || wxfer::median(bounds) == run->lower_bound_seconds,
           name + ": lower_bound_seconds is not the median of the steps' bounds");
    // With fp8 on the inference side, the senders quantize: the timeline must show it.
    const bool fp8 = f.config.value("inference_dtype", std::string("bf16")) == "fp8";
    bool quantized = false;
    std::set<int> seen;
    for (const auto& e : run->events) {
      seen.insert(e.rank);
      quantized = quantized || std::string(e.stage, strnlen(e.stage, sizeof(e.stage))) == "quantize";
      expect(e.t_end >= e.t_begin, name + ": event ends before it begins");
    }
    expect(static_cast<int>(seen.size()) == ranks, name + ": events from " + std::to_string(seen.size()) + " ranks");
    // broadcast: owners pack only what is not already in their memory as it lands; with
    // offloaded weights, everything (each bucket is copied out of the offload buffer first).
    if (run->strategy == "broadcast") {
      const bool offloaded = f.config.value("offloaded_weights", false);
      const bool in_place_expected = !offloaded && !fp8 && f.config.value("trainer_layout", std::string()).rfind("fsdp", 0) == 0;
      std::map<int32_t, uint64_t> packed, sent;
      for (const auto& e : run->events) {
        const std::string stage(e.stage, strnlen(e.stage, sizeof(e.stage)));
        const bool owner = e.rank < f.config.value("trainers", 0);
        if (stage == "pack") packed[e.step] += e.bytes;
        if (stage == "bcast" && owner) sent[e.step] += e.bytes;
      }
      std::set<int32_t> patched;  // delta steps: broadcast patches, fewer bytes than they pack
      for (const auto& s : run->steps)
        if (s.delta != 0) patched.insert(s.step);
      for (const auto& [step, bytes] : sent) {
        expect(patched.count(step) != 0 || packed[step] <= bytes, name + ": packed more than it broadcast");
        expect(!offloaded || packed[step] == bytes, name + ": offloaded weights sent without packing");
        expect(!in_place_expected || packed[step] < bytes / 2, name + ": fsdp shards packed instead of sent in place");
      }
    }
    expect(!fp8 || quantized, name + ": fp8 run without quantize events");
  }
  if (failures == 0) std::printf("check_run_file: %s ok\n", argv[1]);
  return failures == 0 ? 0 : 1;
}
