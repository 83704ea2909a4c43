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

}  // namespace wxfer
