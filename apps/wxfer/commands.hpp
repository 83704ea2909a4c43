// Each subcommand registers itself on the root app; main() runs the chosen one.
#pragma once

#include <CLI/CLI.hpp>

namespace wxfer::cli {

void add_plan_command(CLI::App& app);

}  // namespace wxfer::cli
