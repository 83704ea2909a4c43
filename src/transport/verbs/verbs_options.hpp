// Which RDMA device and port the verbs transport uses, and how it posts; read from the
// environment so that a job script can choose per node without new flags.
#pragma once

#include <optional>
#include <string>

namespace wxfer {

struct VerbsOptions {
  std::string device;     // WXFER_VERBS_DEVICE: e.g. mlx5_0; empty = the first device found
  int port = 1;           // WXFER_VERBS_PORT
  int gid_index = -1;     // WXFER_VERBS_GID_INDEX: -1 = LID routing (InfiniBand); RoCE needs one (often 3)
  int signal_every = 32;  // WXFER_VERBS_SIGNAL_EVERY: one signalled completion per this many writes
  int queue_depth = 512;  // WXFER_VERBS_QUEUE_DEPTH: send-queue entries per peer
};

// Throws a UsageError naming the variable when one is malformed.
VerbsOptions verbs_options_from_environment();

// Why verbs cannot run here (no device, or the named one is missing), or nullopt.
std::optional<std::string> verbs_unavailable();

}  // namespace wxfer
