// Rendering RunStats for people (Markdown tables that paste into issues) and for
// machines (JSON with the same numbers, unrounded).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/run_stats.hpp"

namespace wxfer::report {

enum class FileNaming { none, file_name, full_path };
// "label", "name.h5:label" or "path/name.h5:label".
std::string run_name(const RunStats& s, FileNaming naming);

// Summary table (one row per run) and stage table (one column per run).
std::string markdown_report(const std::vector<RunStats>& runs);

// The short table `wxfer run` ends with: per run, median time, GB/s landed, efficiency
// against the bound, and the raw MPI reference loop over the same bytes (when the
// strategy has one) with the ratio median / reference.
std::string markdown_summary(const std::vector<RunStats>& runs);

// Runs that carry a published figure (params.published_seconds, from --published or a
// scenario file) against it; empty when none does.
std::string markdown_published(const std::vector<RunStats>& runs);

nlohmann::json run_json(const RunStats& s);

}  // namespace wxfer::report
