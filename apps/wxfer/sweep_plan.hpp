// What `wxfer sweep` runs: the combinations of its parameter lists, each one mpirun job
// whose run groups are labelled with the combination.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wxfer::cli {

struct SweepLists {
  std::vector<int> np;                 // rank counts (one mpirun each); at least one
  std::vector<uint64_t> bucket_bytes;  // empty: wxfer run's default, not in labels
  std::vector<uint64_t> chunk_bytes;   // empty: wxfer run's default, not in labels
};

// Parses "2,4,8" and "16MiB,64MiB" lists; UsageError naming the option and the bad value
// (not a number, below the minimum, or given twice).
SweepLists parse_sweep_lists(const std::string& np, const std::string& bucket_sizes, const std::string& chunk_sizes);

struct SweepPoint {
  int np = 0;
  uint64_t bucket_bytes = 0;  // 0: not swept
  uint64_t chunk_bytes = 0;   // 0: not swept
  // "np=4,bucket=16MiB,chunk=4MiB": wxfer run --label-suffix, and how errors name the point.
  std::string label() const;
};

// Every combination, np outermost, then bucket size, then chunk size.
std::vector<SweepPoint> sweep_points(const SweepLists& lists);

// Sizes in labels: the largest binary unit that divides exactly ("64MiB", "96KiB", "1000B").
std::string label_bytes(uint64_t bytes);

}  // namespace wxfer::cli
