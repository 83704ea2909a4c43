// Reading and writing RunFile as HDF5 (docs/hdf5-schema.md).
#pragma once

#include <string>

#include "record/run_record.hpp"

namespace wxfer {

// Writes to "<path>.tmp" and renames, so a reader never sees a half-written file.
void write_run_file(const RunFile& file, const std::string& path);

// Throws UsageError naming the file when it is missing, not HDF5, truncated or not a
// wxfer file.
RunFile read_run_file(const std::string& path);

}  // namespace wxfer
