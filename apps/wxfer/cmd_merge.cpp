// `wxfer merge`: run groups of several run files into one file, for report and plot.
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "common/error.hpp"
#include "record/run_file_merge.hpp"

namespace wxfer::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out;
};

void add_merge_command(CLI::App& app) {
  auto args = std::make_shared<MergeArgs>();
  auto* cmd = app.add_subcommand("merge", "Copy the run groups of several run files into one (labels must be unique)");
  cmd->add_option("files", args->inputs, "Run files (.h5) written by wxfer run / sim / sweep / merge")->required();
  cmd->add_option("-o,--out", args->out, "The merged file")->required();
  cmd->callback([args] {
    const auto dir = std::filesystem::absolute(args->out).parent_path();
    std::error_code ignored;
    std::filesystem::create_directories(dir, ignored);  // as wxfer run does for --out
    MergeSettings settings;
    settings.command_line = invocation();
    merge_run_files(args->inputs, args->out, settings);
    std::cout << "wrote " << args->out << " (" << args->inputs.size() << " files merged)\n";
  });
}

const CommandRegistrar registrar{"merge", 65, add_merge_command};

}  // namespace
}  // namespace wxfer::cli
