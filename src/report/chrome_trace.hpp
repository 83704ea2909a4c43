// Chrome / Perfetto trace of a run file: one "X" event per recorded stage event.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "record/run_record.hpp"

namespace wxfer::report {

// One process per (run group, rank), named "label: rank R (role, host)"; one thread lane
// per stage, with extra lanes ("transfer #2") where events of one stage overlap on a rank,
// so that no two slices on a lane overlap. `only_run` keeps one run group (UsageError
// naming the label and the ones available when it is missing). Times are microseconds
// from the earliest event kept.
nlohmann::json chrome_trace(const RunFile& data, const std::optional<std::string>& only_run);

}  // namespace wxfer::report
