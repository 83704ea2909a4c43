#include "config_file.hpp"

#include <filesystem>
#include <sstream>

#include <toml++/toml.h>

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

void append_file(const std::string& file, std::vector<std::string>& out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw_usage("cannot read --config '" + file + "': no such file");
  toml::table table;
  try {
    table = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    throw_usage("invalid --config '" + file + "': line " + std::to_string(e.source().begin.line) + ": " +
                std::string(e.description()));
  }
  for (const auto& [key, value] : table) out.push_back(as_argument(file, std::string(key.str()), value));
}

}  // namespace

std::vector<std::string> expand_config_files(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config") {
      if (i + 1 >= args.size()) throw_usage("--config needs a file name");
      append_file(args[++i], out);
    } else if (a.rfind("--config=", 0) == 0) {
      append_file(a.substr(9), out);
    } else {
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace wxfer::cli
