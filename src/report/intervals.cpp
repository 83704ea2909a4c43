#include "report/intervals.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wxfer::report {

double union_length(std::vector<Interval> intervals, double lo, double hi) {
  for (auto& [b, e] : intervals) {
    b = std::max(b, lo);
    e = std::min(e, hi);
  }
  std::erase_if(intervals, [](const Interval& i) { return i.second <= i.first; });
  std::sort(intervals.begin(), intervals.end());
  double total = 0;
  double open_begin = 0, open_end = -std::numeric_limits<double>::infinity();
  for (const auto& [b, e] : intervals) {
    if (b > open_end) {
      if (open_end > open_begin) total += open_end - open_begin;
      open_begin = b;
      open_end = e;
    } else {
      open_end = std::max(open_end, e);
    }
  }
  if (open_end > open_begin) total += open_end - open_begin;
  return total;
}

}  // namespace wxfer::report
