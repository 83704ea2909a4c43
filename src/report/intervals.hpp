// Small numeric helpers for the report: percentiles and unions of time intervals.
#pragma once

#include <utility>
#include <vector>

namespace wxfer::report {

// The p-quantile (0 <= p <= 1) with linear interpolation between closest ranks, as
// numpy.percentile's default: position (n-1)*p in the sorted values. NaN when empty.
double percentile(std::vector<double> values, double p);

using Interval = std::pair<double, double>;  // [begin, end), seconds

// Total length covered by at least one interval, after clipping each to [lo, hi].
double union_length(std::vector<Interval> intervals, double lo, double hi);

}  // namespace wxfer::report
