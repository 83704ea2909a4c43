#include "transport/cuda/cuda_device.hpp"

#include <sched.h>

#include "common/cuda_check.hpp"

namespace wxfer {

std::optional<std::string> cuda_unavailable() {
  int count = 0;
  const cudaError_t rc = cudaGetDeviceCount(&count);
  if (rc != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return "no CUDA device (cudaGetDeviceCount: " + std::string(cudaGetErrorString(rc)) + ")";
  }
  if (count == 0) return "no CUDA device (cudaGetDeviceCount returned 0)";
  return std::nullopt;
}

int cuda_device_count() {
  int count = 0;
  WXFER_CHECK_CUDA(cudaGetDeviceCount(&count));
  return count;
}

int select_cuda_device(int local_rank) {
  const int device = local_rank % cuda_device_count();
  WXFER_CHECK_CUDA(cudaSetDevice(device));
  return device;
}

CudaStream::CudaStream() { WXFER_CHECK_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
CudaStream::~CudaStream() { cudaStreamDestroy(stream_); }

CudaEvent::CudaEvent() { WXFER_CHECK_CUDA(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming)); }
CudaEvent::~CudaEvent() { cudaEventDestroy(event_); }

void CudaEvent::record(cudaStream_t stream) { WXFER_CHECK_CUDA(cudaEventRecord(event_, stream)); }

bool CudaEvent::query() const {
  const cudaError_t rc = cudaEventQuery(event_);
  if (rc == cudaErrorNotReady) return false;
  WXFER_CHECK_CUDA(rc);
  return true;
}

void CudaEvent::wait(const Deadline& deadline, const std::string& what) const {
  while (!query()) {
    if (deadline.expired()) throw_timeout(what, deadline);
    sched_yield();  // ranks may share cores with the peers they wait for
  }
}

}  // namespace wxfer
