// NCCL: one communicator over all ranks (one GPU per rank), send/recv and broadcast on a
// dedicated CUDA stream, device memory only. Requests complete through CUDA events.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "control/control.hpp"
#include "transport/transport.hpp"

namespace wxfer {

std::optional<std::string> nccl_unavailable();
std::unique_ptr<Transport> make_nccl_transport(const Control& control);

}  // namespace wxfer
