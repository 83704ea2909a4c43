// merge_run_files: run groups copied whole (H5Ocopy) from several files into one.
#include "record/run_file_merge.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "common/build_info.hpp"
#include "common/error.hpp"
#include "record/h5.hpp"
#include "record/run_file.hpp"
#include "record/run_file_parts.hpp"

namespace wxfer {
namespace {

std::string utc_now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// The merged file's root: newest writer, union of hosts, worst clock error, and where
// every run group came from.
RunFile merged_root(const std::vector<RunFile>& files, const std::vector<std::string>& inputs, const MergeSettings& s) {
  RunFile root;
  root.kind = "sweep";
  root.wxfer_version = version();
  root.command_line = s.command_line;
  root.created = utc_now();
  root.config = s.config.is_object() ? s.config : nlohmann::json::object();
  root.config["merged"] = nlohmann::json::array();
  std::set<std::string> hosts;
  for (size_t i = 0; i < files.size(); ++i) {
    const RunFile& f = files[i];
    nlohmann::json labels = nlohmann::json::array();
    for (const auto& run : f.runs) labels.push_back(run.label);
    root.config["merged"].push_back({{"file", std::filesystem::path(inputs[i]).filename().string()},
                                     {"kind", f.kind},
                                     {"command_line", f.command_line},
                                     {"created", f.created},
                                     {"runs", labels},
                                     {"config", f.config}});
    hosts.insert(f.hosts.begin(), f.hosts.end());
    root.clock_error = std::max(root.clock_error, f.clock_error);
  }
  root.hosts.assign(hosts.begin(), hosts.end());
  root.ranks = files.front().ranks;
  root.machine = files.front().machine;
  return root;
}

void copy_runs(hid_t runs, const std::string& input, const RunFile& file) {
  const h5::PropertyList access = h5::file_access();
  const h5::File source(WXFER_CHECK_H5(H5Fopen(input.c_str(), H5F_ACC_RDONLY, access.get())));
  const h5::Group source_runs(WXFER_CHECK_H5(H5Gopen2(source.get(), "runs", H5P_DEFAULT)));
  for (const auto& run : file.runs) {
    WXFER_CHECK_H5(H5Ocopy(source_runs.get(), run.label.c_str(), runs, run.label.c_str(), H5P_DEFAULT, H5P_DEFAULT));
    if (!run.ranks.empty()) continue;  // already carries its job's ranks (a merged input)
    const h5::Group copied(WXFER_CHECK_H5(H5Gopen2(runs, run.label.c_str(), H5P_DEFAULT)));
    WXFER_CHECK_H5(H5Ocopy(source.get(), "ranks", copied.get(), "ranks", H5P_DEFAULT, H5P_DEFAULT));
  }
}

}  // namespace

void merge_run_files(const std::vector<std::string>& inputs, const std::string& output, const MergeSettings& settings) {
  if (inputs.empty()) throw_usage("nothing to merge: give at least one run file");
  // Read every input whole first: a bad file or a clash is reported before anything is written.
  std::vector<RunFile> files;
  std::map<std::string, std::string> owner;  // label -> the input it came from
  for (const auto& input : inputs) {
    files.push_back(read_run_file(input));
    for (const auto& run : files.back().runs) {
      const auto [it, fresh] = owner.emplace(run.label, input);
      if (!fresh)
        throw_usage("duplicate run label '" + run.label + "' in '" + it->second + "' and '" + input +
                    "'; labels must be unique in one file (wxfer run --label-suffix, or compare them with wxfer report A B)");
    }
  }
  const RunFile root = merged_root(files, inputs, settings);
  record_detail::write_atomically(output, [&](hid_t file) {
    const h5::Group runs = record_detail::write_file_root(file, root);
    for (size_t i = 0; i < inputs.size(); ++i) copy_runs(runs.get(), inputs[i], files[i]);
  });
}

}  // namespace wxfer
