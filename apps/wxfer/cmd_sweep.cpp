// `wxfer sweep`: one mpirun job per combination of rank count, bucket size and chunk size,
// each a `wxfer run` whose run groups are labelled with the combination, merged into one
// run file for `wxfer report` and `scripts/plot`. Run it without mpirun.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "child_process.hpp"
#include "commands.hpp"
#include "common/error.hpp"
#include "record/run_file.hpp"
#include "record/run_file_merge.hpp"
#include "report/report_format.hpp"
#include "report/run_stats.hpp"
#include "strategy/strategy.hpp"
#include "sweep_plan.hpp"
#include "wxfer/config.hpp"

namespace wxfer::cli {
namespace {

struct SweepArgs {
  std::string np;
  std::string bucket_sizes;
  std::string chunk_sizes;
  std::string strategy = "all";
  std::string out = "results/sweep.h5";
  std::string mpirun = WXFER_MPIEXEC;
  std::string mpirun_flags;  // default: default_mpirun_flags()
  std::vector<std::string> run_args;
};

// Open MPI: more ranks than cores is the point of a local sweep, and CI runs as root.
std::string default_mpirun_flags() { return geteuid() == 0 ? "--oversubscribe --allow-run-as-root" : "--oversubscribe"; }

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// The sweep sets these on every job itself; the same option after `--` would contradict it.
void refuse_owned_options(const std::vector<std::string>& run_args, const SweepLists& lists) {
  std::vector<std::string> owned{"--out", "--label-suffix", "--strategy"};
  if (!lists.bucket_bytes.empty()) owned.push_back("--bucket-size");
  if (!lists.chunk_bytes.empty()) owned.push_back("--chunk-size");
  for (const auto& arg : run_args)
    for (const auto& option : owned)
      if (arg == option || arg.rfind(option + "=", 0) == 0)
        throw_usage("invalid run argument '" + arg + "' after --: wxfer sweep sets " + option + " on every job");
}

// The jobs' files live next to the output, not in /tmp: rank 0 of a job writes its file and
// may run on another host that shares only that file system. Removed however the sweep ends.
class PartsDir {
 public:
  explicit PartsDir(const std::filesystem::path& out) {
    std::string pattern = (out.parent_path() / ("." + out.filename().string() + ".parts-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) throw_system_error("mkdtemp(" + pattern + ")", std::strerror(errno));
    path_ = pattern;
  }
  PartsDir(const PartsDir&) = delete;
  PartsDir& operator=(const PartsDir&) = delete;
  ~PartsDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(size_t index, const char* extension) const {
    return (path_ / ("part-" + std::to_string(index) + extension)).string();
  }

 private:
  std::filesystem::path path_;
};

std::vector<std::string> job_command(const SweepArgs& a, const std::string& flags, const SweepPoint& point,
                                     const std::string& part) {
  std::vector<std::string> argv{a.mpirun, "-np", std::to_string(point.np)};
  for (const auto& f : split_words(flags)) argv.push_back(f);
  argv.insert(argv.end(), {std::filesystem::read_symlink("/proc/self/exe").string(), "run", "--strategy", a.strategy, "--out",
                           part, "--label-suffix", point.label()});
  if (point.bucket_bytes != 0) argv.insert(argv.end(), {"--bucket-size", label_bytes(point.bucket_bytes)});
  if (point.chunk_bytes != 0) argv.insert(argv.end(), {"--chunk-size", label_bytes(point.chunk_bytes)});
  argv.insert(argv.end(), a.run_args.begin(), a.run_args.end());
  return argv;
}

std::string without_prefix(std::string line) {
  for (const std::string prefix : {"wxfer: error: ", "wxfer: "})
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  return line;
}

nlohmann::json sweep_config(const SweepArgs& a, const SweepLists& lists, const std::string& flags) {
  return {{"sweep",
           {{"np", lists.np},
            {"bucket_bytes", lists.bucket_bytes},
            {"chunk_bytes", lists.chunk_bytes},
            {"strategy", a.strategy},
            {"run_args", a.run_args},
            {"mpirun", a.mpirun + " " + flags}}}};
}

void run_sweep(const SweepArgs& a) {
  select_strategies(a.strategy);  // a bad name fails here, not in every job
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const SweepLists lists = parse_sweep_lists(a.np, a.bucket_sizes, a.chunk_sizes);
  refuse_owned_options(a.run_args, lists);
  const std::string flags = a.mpirun_flags.empty() ? default_mpirun_flags() : a.mpirun_flags;
  const std::filesystem::path out = std::filesystem::absolute(a.out);
  if (out.filename().empty()) throw_usage("invalid --out '" + a.out + "': not a file name");
  std::error_code ec;
  std::filesystem::create_directories(out.parent_path(), ec);
  if (!std::filesystem::is_directory(out.parent_path()))
    throw_usage("invalid --out '" + a.out + "': cannot create directory " + out.parent_path().string());

  const std::vector<SweepPoint> points = sweep_points(lists);
  const PartsDir parts(out);
  std::vector<std::string> part_files;
  for (size_t i = 0; i < points.size(); ++i) {
    const SweepPoint& point = points[i];
    part_files.push_back(parts.file(i, ".h5"));
    std::printf("[%zu/%zu] %s ... ", i + 1, points.size(), point.label().c_str());
    std::fflush(stdout);
    const auto t0 = Clock::now();
    const std::string log = parts.file(i, ".log");
    const ChildExit result = run_child(job_command(a, flags, point, part_files.back()), log);
    if (!result.ok() || !std::filesystem::exists(part_files.back())) {
      std::printf("failed\n");
      std::fflush(stdout);
      const std::string why = without_prefix(failure_line(log));
      throw std::runtime_error("sweep point " + point.label() + " failed: " + (why.empty() ? "no output" : why) + " (" +
                               std::filesystem::path(a.mpirun).filename().string() + " " + result.describe() + ")");
    }
    std::printf("%.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
    std::fflush(stdout);
  }

  MergeSettings settings;
  settings.command_line = invocation();
  settings.config = sweep_config(a, lists, flags);
  merge_run_files(part_files, a.out, settings);
  const RunFile merged = read_run_file(a.out);
  std::cout << "\n"
            << report::markdown_report(report::compute_file_stats(merged, a.out)) << "\nwrote " << a.out << " ("
            << merged.runs.size() << " run groups from " << points.size() << " jobs in "
            << static_cast<int>(std::chrono::duration<double>(Clock::now() - started).count() + 0.5) << " s)\n";
}

void add_sweep_command(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand("sweep",
                                 "Run wxfer run once per combination of rank count, bucket and chunk size (no mpirun "
                                 "needed) and merge the results into one file");
  cmd->add_option("--np", args->np, "Rank counts, e.g. 2,4,8 (one mpirun job each)")->required();
  cmd->add_option("--bucket-size", args->bucket_sizes, "broadcast bucket sizes, e.g. 16MiB,64MiB (default: run's)");
  cmd->add_option("--chunk-size", args->chunk_sizes, "Pipeline chunk sizes, e.g. 4MiB,8MiB (default: run's)");
  cmd->add_option("--strategy", args->strategy, strategy_choices())->capture_default_str();
  cmd->add_option("-o,--out", args->out, "The merged HDF5 file")->capture_default_str();
  cmd->add_option("--mpirun", args->mpirun, "MPI launcher")->capture_default_str();
  cmd->add_option("--mpirun-flags", args->mpirun_flags, "Flags after -np N (default: " + default_mpirun_flags() + ")");
  cmd->add_option("run_args", args->run_args, "After --: more wxfer run options for every job (--model, --steps, ...)");
  cmd->callback([args] { run_sweep(*args); });
}

const CommandRegistrar registrar{"sweep", 25, add_sweep_command};

}  // namespace
}  // namespace wxfer::cli
