#include "conformance_fixture.hpp"

#include "wxfer/config.hpp"
#if WXFER_HAVE_CUDA
#include "transport/cuda/cuda_device.hpp"
#endif

namespace wxfer::test {

std::vector<BackendCase> backend_cases() {
  std::vector<BackendCase> out;
  for (const auto& e : transport_registry()) {
    if (e.capabilities.host_memory) out.push_back({e.name, MemoryKind::host});
    if (e.capabilities.device_memory && WXFER_HAVE_CUDA) out.push_back({e.name, MemoryKind::device});
  }
  return out;
}

std::string case_id(const testing::TestParamInfo<BackendCase>& info) {
  std::string id = info.param.name;
  for (char& c : id)
    if (c == '-') c = '_';
  return id + (info.param.kind == MemoryKind::host ? "_host" : "_device");
}

void TransportConformance::SetUp() {
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  const TransportEntry* entry = find_transport(GetParam().name);
  ASSERT_NE(entry, nullptr);
  if (auto why = entry->unavailable()) GTEST_SKIP() << GetParam().name << " cannot run here: " << *why;
#if WXFER_HAVE_CUDA
  if (kind() == MemoryKind::device)
    if (auto why = cuda_unavailable()) GTEST_SKIP() << "device memory: " << *why;
#endif
  control_ = std::make_unique<Control>(MPI_COMM_WORLD);
  try {
    transport_ = entry->make(*control_);
  } catch (const TransportUnavailable& e) {
    GTEST_SKIP() << GetParam().name << " cannot run with this job: " << e.what();
  }
  caps_ = transport_->capabilities();
  EXPECT_EQ(caps_, entry->capabilities) << "capabilities() disagrees with the registry entry";
  EXPECT_EQ(transport_->rank(), rank_);
  EXPECT_EQ(transport_->size(), size_);
}

void TransportConformance::TearDown() {
  int failed = HasFailure() ? 1 : 0;
  int anywhere = 0;
  MPI_Allreduce(&failed, &anywhere, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (anywhere != 0 && failed == 0) ADD_FAILURE() << "failed on another rank (its output names it)";
  transport_.reset();  // collective for some backends: every rank gets here
}

INSTANTIATE_TEST_SUITE_P(Backends, TransportConformance, testing::ValuesIn(backend_cases()), case_id);

}  // namespace wxfer::test
