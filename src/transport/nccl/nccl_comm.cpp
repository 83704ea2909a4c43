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

void NcclComm::close(const Deadline& deadline) {
  if (comm_ == nullptr) return;
  if (last_ != nullptr && last_->launched) last_->done.wait(deadline, "the last NCCL launch before closing a communicator");
  WXFER_CHECK_NCCL(ncclCommDestroy(comm_));
  comm_ = nullptr;
}

NcclComm::~NcclComm() {
  if (comm_ != nullptr) ncclCommAbort(comm_);
}

}  // namespace wxfer
