// The project's one median and percentile. Every figure that says "median" (update time,
// bound, reference loop, probe rates, benchmark repeats) is this one.
#pragma once

#include <cstddef>
#include <vector>

namespace wxfer {

// The p-quantile (0 <= p <= 1) with linear interpolation between closest ranks, as
// numpy.percentile's default: position (n-1)*p in the sorted values. NaN when empty.
double percentile(std::vector<double> values, double p);

// percentile(values, 0.5): the middle value, or the mean of the two middle ones.
double median(std::vector<double> values);

// Where one real element must stand for the middle (the median step, whose timeline is
// drawn): its position among n sorted elements, the lower of the two middle ones when n is
// even. n must be positive.
inline size_t median_position(size_t n) { return (n - 1) / 2; }

// How long a measurement repeats: until the last `window` samples agree, their spread (the
// interquartile range over the median: robust to the odd sample a time slice took) at most
// `bound`, or `max_samples` were taken.
struct Steadiness {
  int window = 8;
  double bound = 0.10;
  int max_samples = 30;
};

// Samples of one or more figures taken together (e.g. a rate and a ratio from the same
// repeat), judged together: steady when every figure's spread over the last `window`
// samples is within the bound. Not steady after `max_samples`: the window of consecutive
// samples with the smallest spread stands for the measurement, and says so.
class SteadySeries {
 public:
  explicit SteadySeries(Steadiness how, size_t figures = 1);
  // One sample: a value of every figure.
  void add(const std::vector<double>& sample);
  void add(double value) { add(std::vector<double>{value}); }
  // True once steady or out of samples.
  bool done() const;
  bool steady() const;
  int samples() const { return static_cast<int>(samples_.size()); }
  // Of the chosen window (the last one when steady, else the tightest): the median and the
  // spread of figure `k`.
  double value(size_t k = 0) const;
  double spread(size_t k = 0) const;
  const Steadiness& how() const { return how_; }

 private:
  size_t chosen_window() const;              // index of its first sample
  double window_spread(size_t first) const;  // the largest over figures
  Steadiness how_;
  size_t figures_;
  std::vector<std::vector<double>> samples_;
};

}  // namespace wxfer
