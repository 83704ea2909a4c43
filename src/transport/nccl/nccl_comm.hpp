// RAII for an NCCL communicator and the batches of work launched on it.
#pragma once

#include <nccl.h>

#include <functional>
#include <memory>
#include <vector>

#include "common/deadline.hpp"
#include "transport/cuda/cuda_device.hpp"

namespace wxfer {

// NCCL calls enqueued together between ncclGroupStart/End, and the event that marks their
// completion on the stream.
struct NcclLaunch {
  std::vector<std::function<void()>> calls;
  CudaEvent done;
  bool launched = false;

  // Issues the calls as one NCCL group on `stream` and records `done` behind them.
  void launch(cudaStream_t stream);
};

class NcclComm {
 public:
  explicit NcclComm(ncclComm_t comm) : comm_(comm) {}
  // The normal path: waits (within the deadline) for the last launch, then destroys the
  // communicator.
  void close(const Deadline& deadline);
  // A communicator still open here belongs to a failed run: aborted, which waits for no peer.
  ~NcclComm();
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  ncclComm_t get() const { return comm_; }
  // Work on one stream finishes in order: the last launch tells whether all work is done.
  void launched(std::shared_ptr<NcclLaunch> launch) { last_ = std::move(launch); }

 private:
  ncclComm_t comm_;
  std::shared_ptr<NcclLaunch> last_;
};

}  // namespace wxfer
