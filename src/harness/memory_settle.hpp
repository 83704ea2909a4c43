// Some VMs give memory the guest frees back to their host (virtio-balloon free page
// reporting): seconds after a strategy's teardown frees its buffers, the kernel reports
// them in batches, and the VM stands still while the host takes them, which can land on the
// next strategy's steps. Between strategies the job waits that out, so that each strategy
// meets a quiet machine. A cluster node has no such balloon: there it never waits.
#pragma once

#include <mpi.h>

#include <string>
#include <string_view>

#include "common/auto_on_off.hpp"

namespace wxfer {

using Settling = AutoOnOff;

// WXFER_SETTLE=auto|on|off (default auto); a UsageError names a bad value.
Settling settling_from_environment();

// Whether a virtio device string of feature bits (sysfs `features`: '0'/'1' per bit, bit 0
// first) of a balloon device offers free page reporting (VIRTIO_BALLOON_F_REPORTING, bit 5).
bool balloon_features_report_free_pages(std::string_view features);

class MemorySettle {
 public:
  // Collective over `comm`: on when `mode` is on, or automatic and any rank's host takes
  // back freed memory (a virtio balloon device that reports free pages).
  MemorySettle(MPI_Comm comm, Settling mode);
  std::string describe() const;  // for the run file and the start-up line
  // Collective: waits until memory freed just before has been reported (when active; at
  // once otherwise); returns the seconds waited.
  double settle() const;

 private:
  MPI_Comm comm_;
  Settling mode_;
  bool reporting_ = false;  // this node's balloon reports free pages
  bool active_ = false;
};

}  // namespace wxfer
