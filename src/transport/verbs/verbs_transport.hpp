// ibverbs: RDMA WRITE over reliable-connected queue pairs to every rank, into memory the
// peers exposed; host memory or CUDA device memory (GPUDirect RDMA). One-sided only.
// Environment knobs: see verbs_options.hpp and docs/transports.md.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "control/control.hpp"
#include "transport/transport.hpp"
#include "transport/verbs/verbs_options.hpp"

namespace wxfer {

std::unique_ptr<Transport> make_verbs_transport(const Control& control);

}  // namespace wxfer
