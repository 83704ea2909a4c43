#include "harness/memory_settle.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "common/error.hpp"
#include "common/process.hpp"

namespace wxfer {

Settling settling_from_environment() {
  return parse_auto_on_off(environment_choice("WXFER_SETTLE", {"auto", "on", "off"}), "WXFER_SETTLE");
}

namespace {

constexpr int kVirtioBalloonDevice = 5;     // virtio device id of a memory balloon
constexpr size_t kReportingFeatureBit = 5;  // VIRTIO_BALLOON_F_REPORTING
// The kernel reports free pages this long after they were freed (PAGE_REPORTING_DELAY), a
// bounded batch at a time with the delay between batches, so a strategy's buffers can take
// several batches. Where the kernel counts what it reported, reporting is over once the
// counter has stood still for longer than the gap between batches; without a counter, after
// the delay and one batch's time.
constexpr auto kReportingDelay = std::chrono::milliseconds(2000);
constexpr auto kQuietFor = kReportingDelay + std::chrono::milliseconds(600);
constexpr auto kWithoutCounter = kReportingDelay + std::chrono::milliseconds(1000);
constexpr auto kPoll = std::chrono::milliseconds(20);
// Less than this reported at once is a trickle (other processes' frees), not a strategy's
// buffers: it does not restart the quiet period.
constexpr unsigned long long kTrickleKib = 128 * 1024;
constexpr auto kLongestSettle = std::chrono::milliseconds(20000);
const char* const kReportedCounter = "/sys/module/page_reporting/parameters/reported_kib";

std::string read_first_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

bool node_balloon_reports_free_pages() {
  std::error_code ec;
  for (const auto& dev : std::filesystem::directory_iterator("/sys/bus/virtio/devices", ec)) {
    const std::string id = read_first_line(dev.path() / "device");  // "0x0005"
    if (std::strtol(id.c_str(), nullptr, 0) != kVirtioBalloonDevice) continue;
    if (balloon_features_report_free_pages(read_first_line(dev.path() / "features"))) return true;
  }
  return false;
}

std::optional<unsigned long long> reported_kib() {
  std::ifstream in(kReportedCounter);
  unsigned long long v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

}  // namespace

bool balloon_features_report_free_pages(std::string_view features) {
  return features.size() > kReportingFeatureBit && features[kReportingFeatureBit] == '1';
}

MemorySettle::MemorySettle(MPI_Comm comm, Settling mode) : comm_(comm), mode_(mode) {
  int mine = node_balloon_reports_free_pages() ? 1 : 0, any = 0;
  WXFER_CHECK_MPI(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm));
  reporting_ = mine == 1;
  active_ = mode == Settling::on || (mode == Settling::automatic && any == 1);
}

std::string MemorySettle::describe() const {
  const char* mode = to_string(mode_);
  const std::string why = reporting_ ? "this VM's balloon gives freed memory back to the host (free page reporting)"
                                     : "no balloon here reports free pages";
  return std::string(active_ ? "on" : "off") + " (" + mode + ": " + why + ")";
}

double MemorySettle::settle() const {
  if (!active_) return 0;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  if (auto anchor = reported_kib()) {
    auto quiet_since = start;  // the counter read *anchor then
    while (Clock::now() - quiet_since < kQuietFor && Clock::now() - start < kLongestSettle) {
      std::this_thread::sleep_for(kPoll);
      const auto now = reported_kib();
      if (now && *now >= *anchor + kTrickleKib) {
        anchor = now;
        quiet_since = Clock::now();
      }
    }
  } else {
    std::this_thread::sleep_for(kWithoutCounter);
  }
  WXFER_CHECK_MPI(MPI_Barrier(comm_));
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace wxfer
