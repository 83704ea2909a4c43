// Several run files into one: what `wxfer merge` and `wxfer sweep` write.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wxfer {

struct MergeSettings {
  std::string command_line;                          // the command that merged them
  nlohmann::json config = nlohmann::json::object();  // extra root config, e.g. {"sweep": {...}}
};

// Copies every run group of every input, in order, into a new file at `output` (kind
// `sweep`) with H5Ocopy, so steps, events and attributes arrive bit for bit. Each copied
// group gets its job's ranks table (/runs/<label>/ranks) unless it already has one; the
// root /ranks is the first input's. Root `config` records each input's file, kind,
// command line and config under "merged". Throws UsageError naming the file for an
// unreadable input, and naming the label and both files for a label that appears twice.
// Writes "<output>.tmp" and renames: `output` is complete or untouched.
void merge_run_files(const std::vector<std::string>& inputs, const std::string& output, const MergeSettings& settings);

}  // namespace wxfer
