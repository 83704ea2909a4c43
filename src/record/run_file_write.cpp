// write_run_file: RunFile -> HDF5, written to "<path>.tmp" and renamed into place; the
// root and rename steps are shared with merge_run_files (record/run_file_parts.hpp).
#include <cstring>
#include <filesystem>
#include <system_error>

#include "record/h5.hpp"
#include "record/h5_table.hpp"
#include "record/run_file.hpp"
#include "record/run_file_parts.hpp"
#include "record/run_file_types.hpp"
#include "record/stages.hpp"

namespace wxfer {
namespace {

using namespace record_detail;

constexpr int32_t kSchemaVersion = 1;

// Fixed-length table fields: a value that does not fit would be silently cut, so refuse it.
template <size_t N>
void copy_fixed(char (&field)[N], const std::string& value, const char* what) {
  if (value.size() > N) throw_usage(std::string(what) + " '" + value + "' is longer than " + std::to_string(N) + " characters");
  std::memset(field, 0, N);
  std::memcpy(field, value.data(), value.size());
}

void write_run(hid_t runs, const StrategyRun& run) {
  if (run.label.empty() || run.label.find('/') != std::string::npos || run.label == ".")
    throw_usage("invalid run label '" + run.label + "': must be non-empty and contain no '/'");
  const h5::Group group(WXFER_CHECK_H5(H5Gcreate2(runs, run.label.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
  h5::write_string_attribute(group.get(), "strategy", run.strategy);
  h5::write_string_attribute(group.get(), "transport", run.transport);
  h5::write_uint8_attribute(group.get(), "simulated", run.simulated ? 1 : 0);
  h5::write_double_attribute(group.get(), "lower_bound_seconds", run.lower_bound_seconds);
  h5::write_string_attribute(group.get(), "bound_kind", run.bound_kind);
  h5::write_uint64_attribute(group.get(), "bytes_per_step", run.bytes_per_step);
  h5::write_string_attribute(group.get(), "params", run.params.dump());
  for (const auto& [name, value] : run.metrics) h5::write_double_attribute(group.get(), "metric." + name, value);
  if (!run.ranks.empty()) write_ranks(group.get(), run.ranks);
  const h5::Datatype step_type = step_row_type();
  h5::write_rows(group.get(), "steps", step_type.get(), run.steps);
  const h5::Datatype event_type = event_row_type();
  h5::write_rows(group.get(), "events", event_type.get(), run.events);
  const h5::Datatype op_type = op_row_type();
  h5::write_rows(group.get(), "ops", op_type.get(), run.ops);
}

}  // namespace

namespace record_detail {

void write_ranks(hid_t parent, const std::vector<RankInfo>& ranks) {
  std::vector<RankRow> rows(ranks.size());
  for (size_t i = 0; i < ranks.size(); ++i) {
    rows[i].rank = ranks[i].rank;
    copy_fixed(rows[i].role, ranks[i].role, "role");
    copy_fixed(rows[i].host, ranks[i].host, "host name");
    rows[i].clock_offset = ranks[i].clock_offset;
    rows[i].clock_error = ranks[i].clock_error;
  }
  const h5::Datatype type = rank_row_type();
  h5::write_rows(parent, "ranks", type.get(), rows);
}

h5::Group write_file_root(hid_t file, const RunFile& data) {
  h5::write_int32_attribute(file, "schema_version", kSchemaVersion);
  h5::write_string_attribute(file, "kind", data.kind);
  h5::write_string_attribute(file, "wxfer_version", data.wxfer_version);
  h5::write_string_attribute(file, "command_line", data.command_line);
  h5::write_string_attribute(file, "created", data.created);
  h5::write_string_attribute(file, "config", data.config.dump());
  h5::write_string_attribute(file, "hosts", nlohmann::json(data.hosts).dump());
  h5::write_string_attribute(file, "machine", data.machine.dump());
  // The stage table (record/stages.hpp), so that readers in other languages share it.
  nlohmann::json stages = nlohmann::json::array();
  for (const StageInfo& s : stage_table()) stages.push_back({{"name", s.name}, {"meaning", s.meaning}, {"wire", s.wire}});
  h5::write_string_attribute(file, "stages", stages.dump());
  h5::write_double_attribute(file, "clock_error_seconds", data.clock_error);
  write_ranks(file, data.ranks);
  // Track creation order so readers list runs in the order they were measured.
  const h5::PropertyList order(WXFER_CHECK_H5(H5Pcreate(H5P_GROUP_CREATE)));
  WXFER_CHECK_H5(H5Pset_link_creation_order(order.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
  return h5::Group(WXFER_CHECK_H5(H5Gcreate2(file, "runs", H5P_DEFAULT, order.get(), H5P_DEFAULT)));
}

void write_atomically(const std::string& path, const std::function<void(hid_t file)>& fill) {
  h5::quiet_errors();
  const std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
  if (!std::filesystem::is_directory(parent))
    throw_usage("cannot write '" + path + "': directory '" + parent.string() + "' does not exist");
  const std::string tmp = path + ".tmp";
  try {
    {
      const h5::PropertyList access = h5::file_access();
      const h5::File file(WXFER_CHECK_H5(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get())));
      fill(file.get());
    }  // closed (and flushed) before the rename
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw_system_error("rename(" + tmp + ", " + path + ")", ec.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

}  // namespace record_detail

void write_run_file(const RunFile& data, const std::string& path) {
  record_detail::write_atomically(path, [&](hid_t file) {
    const h5::Group runs = record_detail::write_file_root(file, data);
    for (const auto& run : data.runs) write_run(runs.get(), run);
  });
}

}  // namespace wxfer
