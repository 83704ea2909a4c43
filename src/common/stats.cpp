#include "common/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wxfer {

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const double position = static_cast<double>(values.size() - 1) * std::clamp(p, 0.0, 1.0);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return values[below] + fraction * (values[above] - values[below]);
}

double median(std::vector<double> values) { return percentile(std::move(values), 0.5); }

}  // namespace wxfer
