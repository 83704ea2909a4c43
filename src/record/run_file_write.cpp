// write_run_file: RunFile -> HDF5, written to "<path>.tmp" and renamed into place.
#include <cstring>
#include <filesystem>
#include <system_error>

#include "record/h5.hpp"
#include "record/h5_table.hpp"
#include "record/run_file.hpp"
#include "record/run_file_types.hpp"

namespace wxfer {
namespace {

using namespace record_detail;

constexpr int32_t kSchemaVersion = 1;

// Fixed-length table fields: a value that does not fit would be silently cut, so refuse it.
template <size_t N>
void copy_fixed(char (&field)[N], const std::string& value, const char* what) {
  if (value.size() > N)
    throw_usage(std::string(what) + " '" + value + "' is longer than " + std::to_string(N) + " characters");
  std::memset(field, 0, N);
  std::memcpy(field, value.data(), value.size());
}

void write_ranks(hid_t file, const std::vector<RankInfo>& ranks) {
  std::vector<RankRow> rows(ranks.size());
  for (size_t i = 0; i < ranks.size(); ++i) {
    rows[i].rank = ranks[i].rank;
    copy_fixed(rows[i].role, ranks[i].role, "role");
    copy_fixed(rows[i].host, ranks[i].host, "host name");
    rows[i].clock_offset = ranks[i].clock_offset;
    rows[i].clock_error = ranks[i].clock_error;
  }
  const h5::Datatype type = rank_row_type();
  h5::write_rows(file, "ranks", type.get(), rows);
}

void write_run(hid_t runs, const StrategyRun& run) {
  if (run.label.empty() || run.label.find('/') != std::string::npos || run.label == "." )
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
  const h5::Datatype step_type = step_row_type();
  h5::write_rows(group.get(), "steps", step_type.get(), run.steps);
  const h5::Datatype event_type = event_row_type();
  h5::write_rows(group.get(), "events", event_type.get(), run.events);
}

void write_contents(const RunFile& data, const std::string& path) {
  const h5::PropertyList access = h5::file_access();
  const h5::File file(WXFER_CHECK_H5(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get())));
  h5::write_int32_attribute(file.get(), "schema_version", kSchemaVersion);
  h5::write_string_attribute(file.get(), "kind", data.kind);
  h5::write_string_attribute(file.get(), "wxfer_version", data.wxfer_version);
  h5::write_string_attribute(file.get(), "command_line", data.command_line);
  h5::write_string_attribute(file.get(), "created", data.created);
  h5::write_string_attribute(file.get(), "config", data.config.dump());
  h5::write_string_attribute(file.get(), "hosts", nlohmann::json(data.hosts).dump());
  h5::write_double_attribute(file.get(), "clock_error_seconds", data.clock_error);
  write_ranks(file.get(), data.ranks);
  // Track creation order so readers list runs in the order they were measured.
  const h5::PropertyList order(WXFER_CHECK_H5(H5Pcreate(H5P_GROUP_CREATE)));
  WXFER_CHECK_H5(H5Pset_link_creation_order(order.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
  const h5::Group runs(WXFER_CHECK_H5(H5Gcreate2(file.get(), "runs", H5P_DEFAULT, order.get(), H5P_DEFAULT)));
  for (const auto& run : data.runs) write_run(runs.get(), run);
}

}  // namespace

void write_run_file(const RunFile& file, const std::string& path) {
  h5::quiet_errors();
  const std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
  if (!std::filesystem::is_directory(parent))
    throw_usage("cannot write '" + path + "': directory '" + parent.string() + "' does not exist");
  const std::string tmp = path + ".tmp";
  try {
    write_contents(file, tmp);  // every handle is closed when this returns
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw_system_error("rename(" + tmp + ", " + path + ")", ec.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
}

}  // namespace wxfer
