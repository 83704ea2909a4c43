// Unions of time intervals, for the report (percentiles: common/stats.hpp).
#pragma once

#include <utility>
#include <vector>

namespace wxfer::report {

using Interval = std::pair<double, double>;  // [begin, end), seconds

// Total length covered by at least one interval, after clipping each to [lo, hi].
double union_length(std::vector<Interval> intervals, double lo, double hi);

}  // namespace wxfer::report
