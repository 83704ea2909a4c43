// Deadlines: a receive nobody sends to times out with a SystemError, and is cleaned up.
#include <chrono>

#include "conformance_fixture.hpp"

namespace wxfer::test {
namespace {

TEST_P(TransportConformance, UnmatchedReceiveTimesOutAndIsCleanedUp) {
  WXFER_REQUIRE_CAPABILITY(two_sided);
  constexpr int kTag = 999;
  TestBuffer stale = buffer(8);
  const auto t0 = std::chrono::steady_clock::now();
  {
    Request r = transport().irecv(prev(), stale.span(), kTag);
    try {
      wait(r, Deadline::after(0.2));
      ADD_FAILURE() << "a receive nobody sends to completed";
    } catch (const SystemError& e) {
      EXPECT_NE(std::string(e.what()).find("timed out after 0.2 s"), std::string::npos) << e.what();
    }
  }  // the abandoned request is cancelled here (MPI) or poisons the transport (NCCL)
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(seconds, 10.0);
  world_barrier();
  if (!caps().tag_matching) return;  // without cancellation a later send would match it
  // A later message with the same tag goes to the new receive, not the cancelled one.
  TestBuffer out = buffer(8), in = buffer(8);
  out.write(pattern(static_cast<uint64_t>(rank()), 8));
  std::vector<Request> reqs;
  reqs.push_back(transport().irecv(prev(), in.span(), kTag));
  reqs.push_back(transport().isend(next(), out.span(), kTag));
  wait_all(reqs, Deadline::after(kTestDeadlineSeconds));
  EXPECT_EQ(in.read(), pattern(static_cast<uint64_t>(prev()), 8));
  EXPECT_EQ(stale.read(), std::vector<uint8_t>(8, 0));
}

}  // namespace
}  // namespace wxfer::test
