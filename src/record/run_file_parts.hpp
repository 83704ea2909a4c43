// Pieces of the run-file writer shared by write_run_file and merge_run_files (internal to
// src/record): the root of a file, the /ranks table, and the write-then-rename step.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "record/h5.hpp"
#include "record/run_record.hpp"

namespace wxfer::record_detail {

// A ranks table named "ranks" under `parent` (the file root, or a run group).
void write_ranks(hid_t parent, const std::vector<RankInfo>& ranks);

// Root attributes and /ranks of `data`, and an empty /runs that tracks creation order
// (readers list runs in the order they were written). Returns /runs; data.runs is ignored.
h5::Group write_file_root(hid_t file, const RunFile& data);

// Creates `path` + ".tmp", lets `fill` write the HDF5 file there (every handle closed when
// it returns), and renames it to `path`; on any failure the temp file is removed and the
// error rethrown, so `path` is either complete or untouched.
void write_atomically(const std::string& path, const std::function<void(hid_t file)>& fill);

}  // namespace wxfer::record_detail
