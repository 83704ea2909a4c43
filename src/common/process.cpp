#include "common/process.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "common/error.hpp"

extern char** environ;

namespace wxfer {
namespace {
std::atomic<int> g_rank{-1};
}

void set_process_rank(int rank) { g_rank.store(rank); }
int process_rank() { return g_rank.load(); }

int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return -1;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "unknown-host";
  return buf;
}

std::string process_identity() {
  const int rank = process_rank();
  if (rank < 0) return "host " + host_name();
  return "rank " + std::to_string(rank) + " on host " + host_name();
}

std::map<std::string, std::string> environment_with_prefix(std::string_view prefix) {
  std::map<std::string, std::string> found;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos || !entry.starts_with(prefix)) continue;
    found.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return found;
}

std::string environment_choice(const char* name, std::initializer_list<std::string_view> choices) {
  const char* text = std::getenv(name);
  const std::string value = text == nullptr ? "" : text;
  if (value.empty()) return std::string(*choices.begin());
  std::string expected;
  size_t i = 0;
  for (std::string_view c : choices) {
    if (value == c) return value;
    expected += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + std::string(c);
    ++i;
  }
  throw_usage("invalid " + std::string(name) + " '" + value + "': expected " + expected);
}

std::map<std::string, std::string> machine_description() {
  std::map<std::string, std::string> m;
  m["host"] = host_name();
  std::ifstream cpuinfo("/proc/cpuinfo");
  bool hypervisor = false;
  for (std::string line; std::getline(cpuinfo, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "model name" && !m.contains("cpu_model")) m["cpu_model"] = value;
    if (key == "flags" && value.find(" hypervisor") != std::string::npos) hypervisor = true;
  }
  m["cpus"] = std::to_string(sysconf(_SC_NPROCESSORS_ONLN));
  char gib[32];
  std::snprintf(gib, sizeof(gib), "%.1f",
                static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 30));
  m["memory_gib"] = gib;
  utsname u{};
  if (uname(&u) == 0) m["kernel"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  m["virtualized"] = hypervisor ? "yes" : "no";
  return m;
}

}  // namespace wxfer
