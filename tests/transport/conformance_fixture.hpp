// The conformance suite: one fixture, value-parameterised over (transport, memory kind)
// pairs from the registry, run by every rank of an MPI job.
#pragma once

#include <gtest/gtest.h>
#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include "test_buffer.hpp"
#include "transport/registry.hpp"

namespace wxfer::test {

struct BackendCase {
  std::string name;  // registry name
  MemoryKind kind;   // what the suite moves with it
};

// Every compiled-in transport once per memory kind it moves (device only in CUDA builds).
std::vector<BackendCase> backend_cases();
// "mpi_rma_host": what --gtest_filter=*/mpi_rma_host selects.
std::string case_id(const testing::TestParamInfo<BackendCase>& info);

class TransportConformance : public testing::TestWithParam<BackendCase> {
 protected:
  void SetUp() override;     // skips, with the reason, where the backend cannot run here
  void TearDown() override;  // one rank's failure fails the test on every rank

  Transport& transport() { return *transport_; }
  const TransportCapabilities& caps() const { return caps_; }
  MemoryKind kind() const { return GetParam().kind; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  int next() const { return (rank_ + 1) % size_; }
  int prev() const { return (rank_ + size_ - 1) % size_; }
  TestBuffer buffer(size_t bytes) const { return TestBuffer(kind(), bytes); }
  // Out-of-band barrier that does not depend on the transport under test.
  static void world_barrier() { MPI_Barrier(MPI_COMM_WORLD); }

 private:
  int rank_ = 0;
  int size_ = 1;
  TransportCapabilities caps_;
  std::unique_ptr<Control> control_;
  std::unique_ptr<Transport> transport_;
};

// Generous: oversubscribed CI ranks share two cores.
inline constexpr double kTestDeadlineSeconds = 60.0;

}  // namespace wxfer::test

// Skips the current test on backends that lack a capability (all ranks alike).
#define WXFER_REQUIRE_CAPABILITY(field)                                                    \
  do {                                                                                     \
    if (!caps().field) GTEST_SKIP() << GetParam().name << " has no " #field " capability"; \
  } while (0)
