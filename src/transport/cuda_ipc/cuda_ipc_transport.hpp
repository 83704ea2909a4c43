// CUDA IPC: ranks on one node map each other's exposed device memory and write into it
// with device-to-device copies (NVLink or PCIe peer-to-peer). One-sided, device memory.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "control/control.hpp"
#include "transport/transport.hpp"

namespace wxfer {

std::optional<std::string> cuda_ipc_unavailable();
std::unique_ptr<Transport> make_cuda_ipc_transport(const Control& control);

}  // namespace wxfer
