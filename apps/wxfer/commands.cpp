#include "commands.hpp"

namespace wxfer::cli {

std::vector<CommandEntry>& command_table() {
  static std::vector<CommandEntry> table;
  return table;
}

std::string& invocation() {
  static std::string line;
  return line;
}

}  // namespace wxfer::cli
