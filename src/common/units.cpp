#include "common/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/error.hpp"

namespace wxfer {
namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Splits "1.5 GiB" into 1.5 and "GiB"; throws when there is no leading number.
double split_number(const std::string& s, std::string& suffix, std::string_view what) {
  const char* begin = s.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(value) || value < 0)
    throw_usage("invalid " + std::string(what) + " '" + s + "': expected a non-negative number with an optional unit");
  suffix = trim(std::string_view(end));
  return value;
}

}  // namespace

uint64_t parse_bytes(std::string_view text, std::string_view what) {
  const std::string s = trim(text);
  std::string suffix;
  const double value = split_number(s, suffix, what);
  double scale = 0;
  struct Unit {
    const char* name;
    double scale;
  };
  static constexpr Unit units[] = {{"", 1},
                                   {"B", 1},
                                   {"K", 1024.0},
                                   {"KiB", 1024.0},
                                   {"KB", 1e3},
                                   {"M", 1048576.0},
                                   {"MiB", 1048576.0},
                                   {"MB", 1e6},
                                   {"G", 1073741824.0},
                                   {"GiB", 1073741824.0},
                                   {"GB", 1e9},
                                   {"T", 1099511627776.0},
                                   {"TiB", 1099511627776.0},
                                   {"TB", 1e12}};
  for (const auto& u : units)
    if (suffix == u.name) scale = u.scale;
  if (scale == 0)
    throw_usage("invalid " + std::string(what) + " '" + s + "': unknown unit '" + suffix +
                "' (use B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)");
  const double bytes = value * scale;
  if (bytes > 1.8e19) throw_usage("invalid " + std::string(what) + " '" + s + "': too large");
  return static_cast<uint64_t>(std::llround(bytes));
}

double parse_bandwidth(std::string_view text, std::string_view what) {
  const std::string s = trim(text);
  std::string suffix;
  const double value = split_number(s, suffix, what);
  struct Unit {
    const char* name;
    double scale;
  };
  static constexpr Unit units[] = {{"", 1},          {"B/s", 1},        {"KB/s", 1e3},           {"MB/s", 1e6},
                                   {"GB/s", 1e9},    {"TB/s", 1e12},    {"Kb/s", 125},           {"Mb/s", 1.25e5},
                                   {"Gb/s", 1.25e8}, {"Tb/s", 1.25e11}, {"GiB/s", 1073741824.0}, {"MiB/s", 1048576.0}};
  for (const auto& u : units)
    if (suffix == u.name) {
      if (value <= 0) throw_usage("invalid " + std::string(what) + " '" + s + "': must be positive");
      return value * u.scale;
    }
  throw_usage("invalid " + std::string(what) + " '" + s + "': unknown unit '" + suffix + "' (use GB/s, Gb/s, MB/s, GiB/s)");
}

double parse_seconds(std::string_view text, std::string_view what) {
  const std::string s = trim(text);
  std::string suffix;
  const double value = split_number(s, suffix, what);
  double scale = 0;
  if (suffix.empty() || suffix == "s")
    scale = 1;
  else if (suffix == "ms")
    scale = 1e-3;
  else if (suffix == "m" || suffix == "min")
    scale = 60;
  else if (suffix == "h")
    scale = 3600;
  if (scale == 0 || value <= 0)
    throw_usage("invalid " + std::string(what) + " '" + s + "': expected a positive duration like 300, 30s, 5m");
  return value * scale;
}

double parse_fraction(std::string_view text, std::string_view what) {
  const std::string s = trim(text);
  std::string suffix;
  const double value = split_number(s, suffix, what);
  if (suffix == "%") return value / 100.0;
  if (suffix.empty()) return value;
  throw_usage("invalid " + std::string(what) + " '" + s + "': expected a fraction like 0.1 or 10%");
}

std::string format_bytes(double bytes) {
  static constexpr const char* names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int i = 0;
  while (bytes >= 1024.0 && i < 5) {
    bytes /= 1024.0;
    ++i;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), i == 0 ? "%.0f %s" : "%.2f %s", bytes, names[i]);
  return buf;
}

std::string format_seconds(double seconds) {
  char buf[64];
  if (seconds >= 1.0)
    std::snprintf(buf, sizeof(buf), "%.3f s", seconds);
  else if (seconds >= 1e-3)
    std::snprintf(buf, sizeof(buf), "%.2f ms", seconds * 1e3);
  else
    std::snprintf(buf, sizeof(buf), "%.1f us", seconds * 1e6);
  return buf;
}

std::string format_count(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const size_t lead = digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (i % 3) == lead % 3 && (i >= lead || lead == 0)) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace wxfer
