#include "harness/copy_bandwidth.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/error.hpp"
#include "common/stats.hpp"
#include "harness/time_window.hpp"

namespace wxfer {

CopyBandwidthProbe::CopyBandwidthProbe(size_t bytes) : from_(bytes + kCopySourceOffset), to_(bytes), bytes_(bytes) {
  std::memset(from_.data(), 1, from_.size());
  std::memset(to_.data(), 0, bytes);
}

double CopyBandwidthProbe::sample_window(MPI_Comm comm, double clock_offset, double window_seconds) {
  constexpr size_t kPiece = size_t{1} << 20;
  const size_t pieces = std::max<size_t>(1, bytes_ / kPiece), piece = std::min(kPiece, bytes_);
  const uint8_t* from = from_.data() + kCopySourceOffset;
  const TimeWindow w = open_shared_window(comm, clock_offset, window_seconds);
  size_t k = 0;
  double copied = bytes_within(w.stop, static_cast<double>(piece), [&] {
    std::memcpy(to_.data() + k * piece, from + k * piece, piece);
    k = (k + 1) % pieces;
  });
  double total = 0;
  WXFER_CHECK_MPI(MPI_Allreduce(&copied, &total, 1, MPI_DOUBLE, MPI_SUM, comm));
  return total / window_seconds;
}

double CopyBandwidthProbe::measure_window(MPI_Comm comm, double clock_offset, int repeats, double window_seconds) {
  std::vector<double> rates;
  for (int i = 0; i < repeats; ++i) rates.push_back(sample_window(comm, clock_offset, window_seconds));
  return median(rates);
}

}  // namespace wxfer
