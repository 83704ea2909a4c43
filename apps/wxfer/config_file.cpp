#include "config_file.hpp"

#include <filesystem>
#include <sstream>

#include <toml++/toml.h>

#include "commands.hpp"
#include "common/error.hpp"

namespace wxfer::cli {
namespace {

std::string as_argument(const std::string& file, const std::string& key, const toml::node& value) {
  if (const auto* s = value.as_string()) return "--" + key + "=" + s->get();
  if (const auto* b = value.as_boolean()) return "--" + key + "=" + (b->get() ? "true" : "false");
  if (const auto* i = value.as_integer()) return "--" + key + "=" + std::to_string(i->get());
  if (const auto* f = value.as_floating_point()) {
    std::ostringstream out;
    out.precision(17);
    out << f->get();
    return "--" + key + "=" + out.str();
  }
  throw_usage("invalid --config '" + file + "': key '" + key + "' must be a string, number or boolean");
}

// Tables named after a subcommand hold settings for that command alone (a scenario file is
// read by `sim` and by `run`); [published] holds figures published for the case, per strategy.
bool is_command_name(std::string_view key) {
  for (const CommandEntry& c : command_table())
    if (key == c.name) return true;
  return false;
}

void append_file(const std::string& file, const std::string& command, std::vector<std::string>& out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw_usage("cannot read --config '" + file + "': no such file");
  toml::table table;
  try {
    table = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    throw_usage("invalid --config '" + file + "': line " + std::to_string(e.source().begin.line) + ": " +
                std::string(e.description()));
  }
  std::vector<std::string> commands_own;
  for (const auto& [key, value] : table) {
    const std::string name(key.str());
    const toml::table* section = value.as_table();
    if (section == nullptr) {
      out.push_back(as_argument(file, name, value));
    } else if (name == "published") {
      for (const auto& [what, figure] : *section) {
        std::string text = as_argument(file, "published." + std::string(what.str()), figure);
        out.push_back("--published=" + std::string(what.str()) + "=" + text.substr(text.find('=') + 1));
      }
    } else if (is_command_name(name)) {
      if (name != command) continue;
      for (const auto& [sub, sub_value] : *section) commands_own.push_back(as_argument(file, std::string(sub.str()), sub_value));
    } else {
      throw_usage("invalid --config '" + file + "': table [" + name +
                  "] is neither a command's own settings ([run], [sim], ...) nor [published]");
    }
  }
  // A command's own settings win over the file's shared ones.
  out.insert(out.end(), commands_own.begin(), commands_own.end());
}

}  // namespace

std::vector<std::string> expand_config_files(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  std::string command;  // the subcommand: the first word that is not an option
  for (const std::string& a : args)
    if (a.empty() || a[0] != '-') {
      command = a;
      break;
    }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config") {
      if (i + 1 >= args.size()) throw_usage("--config needs a file name");
      append_file(args[++i], command, out);
    } else if (a.rfind("--config=", 0) == 0) {
      append_file(a.substr(9), command, out);
    } else {
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace wxfer::cli
