// `wxfer transports`: every compiled-in transport, what it can do and whether it can run
// on this machine. Needs no MPI job: availability checks only look for devices.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "transport/registry.hpp"

namespace wxfer::cli {
namespace {

nlohmann::json capabilities_json(const TransportCapabilities& c) {
  return {{"two_sided", c.two_sided},        {"tag_matching", c.tag_matching}, {"collectives", c.collectives},
          {"one_sided", c.one_sided},        {"host_memory", c.host_memory},   {"device_memory", c.device_memory},
          {"cpu_copy_puts", c.cpu_copy_puts}};
}

void run_transports(bool json) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : transport_registry()) {
    const auto why_not = e.unavailable();
    if (json) {
      list.push_back({{"name", e.name},
                      {"description", e.description},
                      {"capabilities", capabilities_json(e.capabilities)},
                      {"available", !why_not},
                      {"unavailable_reason", why_not ? nlohmann::json(*why_not) : nlohmann::json(nullptr)}});
      continue;
    }
    std::cout << e.name << ": " << e.description << "\n"
              << "  capabilities: " << describe_capabilities(e.capabilities) << "\n"
              << "  runs here: " << (why_not ? "no, " + *why_not : std::string("yes")) << "\n";
  }
  if (json) std::cout << list.dump(2) << "\n";
}

void add_transports_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("transports", "List the compiled-in transports and whether each can run here");
  cmd->add_flag("--json", *json, "Print one JSON array");
  cmd->callback([json] { run_transports(*json); });
}

const CommandRegistrar registrar{"transports", 20, add_transports_command};

}  // namespace
}  // namespace wxfer::cli
