// Finding and choosing CUDA devices, and the stream and event handles the GPU backends
// own (RAII, so that an exception never leaks them).
#pragma once

#include <cuda_runtime_api.h>

#include <optional>
#include <string>

#include "common/deadline.hpp"

namespace wxfer {

// "no CUDA device (...)" when this process sees none; nullopt otherwise. Never throws.
std::optional<std::string> cuda_unavailable();

int cuda_device_count();
// Makes device `local_rank % count` current for this process and returns it.
int select_cuda_device(int local_rank);

class CudaStream {
 public:
  CudaStream();  // non-blocking: never serialises with the legacy default stream
  ~CudaStream();
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

class CudaEvent {
 public:
  CudaEvent();  // timing disabled: the cheapest event to record and query
  ~CudaEvent();
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;
  cudaEvent_t get() const { return event_; }
  void record(cudaStream_t stream);
  // True once all work captured by the last record() has finished; throws on a CUDA error.
  bool query() const;
  // Polls query() until it is true; throws a timeout error naming `what` at the deadline.
  void wait(const Deadline& deadline, const std::string& what) const;

 private:
  cudaEvent_t event_ = nullptr;
};

}  // namespace wxfer
