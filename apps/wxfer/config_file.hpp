// `--config FILE` for any subcommand: CLI11 cannot read config files for subcommands, so
// the file's top-level keys become `--key=value` arguments in its place, before parsing.
// Later arguments win (options take the last value), so the command line overrides the file.
// A table named after a subcommand ([run], [sim], ...) applies to that command only, after
// the shared keys; [published] (STRATEGY = seconds, by = "source") becomes
// `--published=KEY=VALUE` arguments (configs/scenarios/).
#pragma once

#include <string>
#include <vector>

namespace wxfer::cli {

// Returns args with every `--config FILE` / `--config=FILE` replaced by the file's
// settings. Throws UsageError naming the file on a missing file, a TOML syntax error, or a
// value that is not a string, number or boolean.
std::vector<std::string> expand_config_files(const std::vector<std::string>& args);

}  // namespace wxfer::cli
