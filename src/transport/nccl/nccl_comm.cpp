#include "transport/nccl/nccl_comm.hpp"

#include "transport/nccl/nccl_check.hpp"

namespace wxfer {

void NcclLaunch::launch(cudaStream_t stream) {
  WXFER_CHECK_NCCL(ncclGroupStart());
  try {
    for (const auto& call : calls) call();
  } catch (...) {
    ncclGroupEnd();  // keep NCCL's group nesting balanced before the error propagates
    throw;
  }
  WXFER_CHECK_NCCL(ncclGroupEnd());
  done.record(stream);
  launched = true;
  calls.clear();
}

NcclComm::~NcclComm() {
  if (comm_ == nullptr) return;
  bool idle = true;
  try {
    idle = last_ == nullptr || !last_->launched || last_->done.query();
  } catch (...) {
    idle = false;  // a CUDA error on the stream: do not wait on it either
  }
  if (idle)
    ncclCommDestroy(comm_);
  else
    ncclCommAbort(comm_);
}

}  // namespace wxfer
