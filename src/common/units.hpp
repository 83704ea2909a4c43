// Parsing and printing of sizes, bandwidths and durations as users write them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wxfer {

// "64MiB", "1.5GB", "4096", "2 GiB" -> bytes. `what` names the option in the error.
uint64_t parse_bytes(std::string_view text, std::string_view what);
// "50GB/s", "400Gb/s", "12.5e9" -> bytes per second.
double parse_bandwidth(std::string_view text, std::string_view what);
// "300", "300s", "5m", "250ms" -> seconds (positive).
double parse_seconds(std::string_view text, std::string_view what);
// "10%", "0.1" -> 0.1
double parse_fraction(std::string_view text, std::string_view what);

std::string format_bytes(double bytes);      // "1.91 TiB"
std::string format_seconds(double seconds);  // "1.32 s", "850 ms", "12 us"
std::string format_count(uint64_t n);        // "1,026,470,731,056"

}  // namespace wxfer
