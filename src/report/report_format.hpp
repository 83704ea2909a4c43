// Rendering RunStats for people (Markdown tables that paste into issues) and for
// machines (JSON with the same numbers, unrounded).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/run_stats.hpp"

namespace wxfer::report {

// "label" when all runs come from one file, "file:label" otherwise (file = its name).
std::string run_name(const RunStats& s, bool several_files);

// Summary table (one row per run) and stage table (one column per run).
std::string markdown_report(const std::vector<RunStats>& runs);

nlohmann::json run_json(const RunStats& s);

}  // namespace wxfer::report
