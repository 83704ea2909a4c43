#include "commands.hpp"

namespace wxfer::cli {

std::vector<CommandEntry>& command_table() {
  static std::vector<CommandEntry> table;
  return table;
}

}  // namespace wxfer::cli
