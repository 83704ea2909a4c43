#include "transport/verbs/verbs_options.hpp"

#include <charconv>
#include <cstdlib>

#include "common/error.hpp"
#include "transport/verbs/verbs_handles.hpp"

namespace wxfer {
namespace {

int int_from_environment(const char* name, int fallback, int lowest) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  int value = 0;
  const char* end = text + std::char_traits<char>::length(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || value < lowest)
    throw_usage(std::string("invalid ") + name + " '" + text + "': expected an integer >= " + std::to_string(lowest));
  return value;
}

}  // namespace

VerbsOptions verbs_options_from_environment() {
  VerbsOptions o;
  if (const char* d = std::getenv("WXFER_VERBS_DEVICE")) o.device = d;
  o.port = int_from_environment("WXFER_VERBS_PORT", o.port, 1);
  o.gid_index = int_from_environment("WXFER_VERBS_GID_INDEX", o.gid_index, -1);
  o.signal_every = int_from_environment("WXFER_VERBS_SIGNAL_EVERY", o.signal_every, 1);
  o.queue_depth = int_from_environment("WXFER_VERBS_QUEUE_DEPTH", o.queue_depth, 4);
  return o;
}

std::optional<std::string> verbs_unavailable() {
  int n = 0;
  const VerbsDeviceList list(ibv_get_device_list(&n));
  if (!list || n == 0) return "no RDMA device (ibv_get_device_list returned none)";
  const char* wanted = std::getenv("WXFER_VERBS_DEVICE");
  if (wanted == nullptr || *wanted == '\0') return std::nullopt;
  std::string found;
  for (int i = 0; i < n; ++i) {
    const std::string name = ibv_get_device_name(list.get()[i]);
    if (name == wanted) return std::nullopt;
    found += (found.empty() ? "" : ", ") + name;
  }
  return "RDMA device '" + std::string(wanted) + "' (WXFER_VERBS_DEVICE) not found; found: " + found;
}

}  // namespace wxfer
