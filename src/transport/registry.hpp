// Transports by name: one table of (name, description, availability, factory).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/control.hpp"
#include "transport/transport.hpp"

namespace wxfer {

struct TransportEntry {
  const char* name;
  const char* description;
  TransportCapabilities capabilities;
  // Why it cannot run on this machine (no GPU, no RDMA device), or nullopt when it can.
  std::optional<std::string> (*unavailable)();
  std::unique_ptr<Transport> (*make)(const Control& control);
};

const std::vector<TransportEntry>& transport_registry();
// "two-sided, collectives, device memory"
std::string describe_capabilities(const TransportCapabilities& c);
const TransportEntry* find_transport(std::string_view name);

// Builds a transport after checking that it exists, can run here and can do what is
// needed; otherwise a UsageError that says why.
std::unique_ptr<Transport> make_transport(std::string_view name, const Control& control, const TransportCapabilities& needed,
                                          std::string_view needed_by);

}  // namespace wxfer
