#include "sweep_plan.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "common/error.hpp"
#include "common/units.hpp"

namespace wxfer::cli {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) items.push_back(item);
  if (!text.empty() && text.back() == ',') items.emplace_back();
  return items;
}

template <typename T>
void refuse_repeats(const std::vector<T>& values, const std::string& option, const std::string& text) {
  for (size_t i = 0; i < values.size(); ++i)
    if (std::count(values.begin(), values.end(), values[i]) > 1)
      throw_usage("invalid " + option + " '" + text + "': a value appears twice (run groups would share a label)");
}

std::vector<uint64_t> parse_sizes(const std::string& text, const std::string& option) {
  std::vector<uint64_t> sizes;
  if (text.empty()) return sizes;
  for (const auto& item : split_list(text)) {
    const uint64_t bytes = parse_bytes(item, option);
    if (bytes == 0) throw_usage("invalid " + option + " value '" + item + "': must be positive");
    sizes.push_back(bytes);
  }
  refuse_repeats(sizes, option, text);
  return sizes;
}

}  // namespace

SweepLists parse_sweep_lists(const std::string& np, const std::string& bucket_sizes, const std::string& chunk_sizes) {
  SweepLists lists;
  for (const auto& item : split_list(np)) {
    int value = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec != std::errc() || end != item.data() + item.size() || value < 2)
      throw_usage("invalid --np value '" + item + "': must be an integer of at least 2 (wxfer run needs 2 ranks)");
    lists.np.push_back(value);
  }
  if (lists.np.empty()) throw_usage("invalid --np '': give rank counts such as 2,4,8");
  refuse_repeats(lists.np, "--np", np);
  lists.bucket_bytes = parse_sizes(bucket_sizes, "--bucket-size");
  lists.chunk_bytes = parse_sizes(chunk_sizes, "--chunk-size");
  return lists;
}

std::string SweepPoint::label() const {
  std::string text = "np=" + std::to_string(np);
  if (bucket_bytes != 0) text += ",bucket=" + label_bytes(bucket_bytes);
  if (chunk_bytes != 0) text += ",chunk=" + label_bytes(chunk_bytes);
  return text;
}

std::vector<SweepPoint> sweep_points(const SweepLists& lists) {
  // An unswept dimension is one pass with 0 ("leave it to wxfer run").
  const std::vector<uint64_t> none{0};
  const auto& buckets = lists.bucket_bytes.empty() ? none : lists.bucket_bytes;
  const auto& chunks = lists.chunk_bytes.empty() ? none : lists.chunk_bytes;
  std::vector<SweepPoint> points;
  for (int np : lists.np)
    for (uint64_t bucket : buckets)
      for (uint64_t chunk : chunks) points.push_back({np, bucket, chunk});
  return points;
}

std::string label_bytes(uint64_t bytes) {
  static const char* const units[] = {"GiB", "MiB", "KiB"};
  for (int i = 0; i < 3; ++i) {
    const uint64_t unit = 1ull << (10 * (3 - i));
    if (bytes % unit == 0) return std::to_string(bytes / unit) + units[i];
  }
  return std::to_string(bytes) + "B";
}

}  // namespace wxfer::cli
