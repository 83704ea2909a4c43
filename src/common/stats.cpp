#include "common/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.hpp"

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

namespace {

// The interquartile range over the median of figure k over samples [first, first + n).
double spread_of(const std::vector<std::vector<double>>& samples, size_t first, size_t n, size_t k) {
  std::vector<double> v;
  for (size_t i = first; i < first + n; ++i) v.push_back(samples[i][k]);
  const double mid = median(v), range = percentile(v, 0.75) - percentile(v, 0.25);
  if (mid == 0) return range == 0 ? 0 : std::numeric_limits<double>::infinity();
  return range / std::abs(mid);
}

}  // namespace

SteadySeries::SteadySeries(Steadiness how, size_t figures) : how_(how), figures_(figures) {
  WXFER_ASSERT(how_.window >= 1 && how_.max_samples >= how_.window && how_.bound >= 0 && figures_ >= 1);
}

void SteadySeries::add(const std::vector<double>& sample) {
  WXFER_ASSERT(sample.size() == figures_);
  samples_.push_back(sample);
}

double SteadySeries::window_spread(size_t first) const {
  double worst = 0;
  for (size_t k = 0; k < figures_; ++k) worst = std::max(worst, spread_of(samples_, first, static_cast<size_t>(how_.window), k));
  return worst;
}

bool SteadySeries::steady() const {
  const auto n = static_cast<size_t>(how_.window);
  return samples_.size() >= n && window_spread(samples_.size() - n) <= how_.bound;
}

bool SteadySeries::done() const { return steady() || samples() >= how_.max_samples; }

size_t SteadySeries::chosen_window() const {
  const auto n = static_cast<size_t>(how_.window);
  WXFER_ASSERT(samples_.size() >= n);
  if (steady()) return samples_.size() - n;
  size_t best = 0;
  for (size_t first = 1; first + n <= samples_.size(); ++first)
    if (window_spread(first) < window_spread(best)) best = first;
  return best;
}

double SteadySeries::value(size_t k) const {
  const size_t first = chosen_window();
  std::vector<double> v;
  for (size_t i = first; i < first + static_cast<size_t>(how_.window); ++i) v.push_back(samples_[i][k]);
  return median(v);
}

double SteadySeries::spread(size_t k) const { return spread_of(samples_, chosen_window(), static_cast<size_t>(how_.window), k); }

}  // namespace wxfer
