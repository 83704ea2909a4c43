// read_run_file: HDF5 -> RunFile. Every way a file can be unreadable becomes one UsageError
// line naming the file; only the library's own failures on a good file stay SystemErrors.
#include <cstring>
#include <filesystem>

#include "record/h5.hpp"
#include "record/h5_table.hpp"
#include "record/run_file.hpp"
#include "record/run_file_types.hpp"

namespace wxfer {
namespace {

using namespace record_detail;

constexpr int64_t kSchemaVersion = 1;

std::string fixed_field(const char* field, size_t size) { return std::string(field, strnlen(field, size)); }

nlohmann::json parse_json_attribute(hid_t object, const std::string& name) {
  const std::string text = h5::read_string_attribute(object, name);
  if (text.empty()) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw_system_error("json::parse(" + name + ")", "attribute '" + name + "' is not JSON: " + e.what());
  }
}

std::vector<RankInfo> read_ranks(hid_t parent) {
  const h5::Datatype type = rank_row_type();
  std::vector<RankInfo> ranks;
  for (const RankRow& row : h5::read_rows<RankRow>(parent, "ranks", type.get()))
    ranks.push_back({row.rank, fixed_field(row.role, sizeof(row.role)), fixed_field(row.host, sizeof(row.host)), row.clock_offset,
                     row.clock_error});
  return ranks;
}

herr_t collect_metric(hid_t, const char* name, const H5A_info_t*, void* out) {
  const std::string attr = name;
  if (attr.rfind("metric.", 0) == 0) static_cast<std::vector<std::string>*>(out)->push_back(attr);
  return 0;
}

StrategyRun read_run(hid_t runs, const std::string& label) {
  const h5::Group group(WXFER_CHECK_H5(H5Gopen2(runs, label.c_str(), H5P_DEFAULT)));
  StrategyRun run;
  run.label = label;
  run.strategy = h5::read_string_attribute(group.get(), "strategy");
  run.transport = h5::read_string_attribute(group.get(), "transport");
  run.simulated = h5::read_int64_attribute(group.get(), "simulated") != 0;
  run.lower_bound_seconds = h5::read_double_attribute(group.get(), "lower_bound_seconds");
  run.bound_kind = h5::read_string_attribute(group.get(), "bound_kind");
  run.bytes_per_step = h5::read_uint64_attribute(group.get(), "bytes_per_step");
  run.params = parse_json_attribute(group.get(), "params");
  std::vector<std::string> metric_names;
  WXFER_CHECK_H5(H5Aiterate2(group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_metric, &metric_names));
  for (const auto& name : metric_names)
    run.metrics[name.substr(std::string("metric.").size())] = h5::read_double_attribute(group.get(), name);
  // Merged files keep each job's ranks with its runs.
  if (WXFER_CHECK_H5(H5Lexists(group.get(), "ranks", H5P_DEFAULT)) > 0) run.ranks = read_ranks(group.get());
  const h5::Datatype step_type = step_row_type();
  run.steps = h5::read_rows<StepRecord>(group.get(), "steps", step_type.get());
  const h5::Datatype event_type = event_row_type();
  run.events = h5::read_rows<Event>(group.get(), "events", event_type.get());
  // Files written before operations were counted have no ops table.
  if (WXFER_CHECK_H5(H5Lexists(group.get(), "ops", H5P_DEFAULT)) > 0) {
    const h5::Datatype op_type = op_row_type();
    run.ops = h5::read_rows<OpRecord>(group.get(), "ops", op_type.get());
  }
  return run;
}

herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}

// Run labels in creation order when the writer tracked it (wxfer does), else by name.
std::vector<std::string> run_labels(hid_t runs) {
  const h5::PropertyList create(WXFER_CHECK_H5(H5Gget_create_plist(runs)));
  unsigned order_flags = 0;
  WXFER_CHECK_H5(H5Pget_link_creation_order(create.get(), &order_flags));
  const H5_index_t index = (order_flags & H5P_CRT_ORDER_INDEXED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> labels;
  WXFER_CHECK_H5(H5Literate(runs, index, H5_ITER_INC, nullptr, collect_link, &labels));
  return labels;
}

RunFile read_contents(hid_t file, const std::string& path) {
  if (!h5::has_attribute(file, "schema_version"))
    throw_usage("'" + path + "' is an HDF5 file but not a wxfer run file (no schema_version attribute)");
  const int64_t version = h5::read_int64_attribute(file, "schema_version");
  if (version != kSchemaVersion)
    throw_usage("'" + path + "' has schema_version " + std::to_string(version) + "; this wxfer reads version " +
                std::to_string(kSchemaVersion));
  RunFile data;
  data.kind = h5::read_string_attribute(file, "kind");
  data.wxfer_version = h5::read_string_attribute(file, "wxfer_version");
  data.command_line = h5::read_string_attribute(file, "command_line");
  data.created = h5::read_string_attribute(file, "created");
  data.config = parse_json_attribute(file, "config");
  if (h5::has_attribute(file, "machine")) data.machine = parse_json_attribute(file, "machine");  // absent before it was added
  const nlohmann::json hosts = parse_json_attribute(file, "hosts");
  if (hosts.is_array())
    for (const auto& h : hosts) data.hosts.push_back(h.get<std::string>());
  data.clock_error = h5::read_double_attribute(file, "clock_error_seconds");
  data.ranks = read_ranks(file);
  const h5::Group runs(WXFER_CHECK_H5(H5Gopen2(file, "runs", H5P_DEFAULT)));
  for (const auto& label : run_labels(runs.get())) data.runs.push_back(read_run(runs.get(), label));
  return data;
}

}  // namespace

RunFile read_run_file(const std::string& path) {
  h5::quiet_errors();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw_usage("cannot read '" + path + "': no such file");
  if (std::filesystem::is_directory(path, ec)) throw_usage("cannot read '" + path + "': is a directory");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) throw_usage("cannot read '" + path + "': not readable");
  if (is_hdf5 == 0) throw_usage("'" + path + "' is not an HDF5 file");
  try {
    const h5::PropertyList access = h5::file_access();
    const h5::File file(WXFER_CHECK_H5(H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get())));
    return read_contents(file.get(), path);
  } catch (const h5::H5Error& e) {
    // A cut-off copy fails in H5Fopen ("truncated file"); damaged objects fail later.
    throw_usage("'" + path + "' is truncated, corrupt or not a complete wxfer run file (" + e.hdf5_message() + ")");
  } catch (const nlohmann::json::exception& e) {
    throw_usage("'" + path + "' is not a valid wxfer run file (" + e.what() + ")");
  } catch (const SystemError& e) {
    throw_usage("'" + path + "' is not a valid wxfer run file (" + e.what() + ")");
  }
}

}  // namespace wxfer
