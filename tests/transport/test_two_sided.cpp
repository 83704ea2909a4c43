// isend / irecv: sizes from empty to odd, tag matching, ordering between two ranks.
#include "conformance_fixture.hpp"

namespace wxfer::test {
namespace {

// Every rank sends to the next and receives from the previous (itself with one rank).
TEST_P(TransportConformance, SendRecvEmptyOneByteAndOddSizes) {
  WXFER_REQUIRE_CAPABILITY(two_sided);
  for (const size_t bytes : {size_t{0}, size_t{1}, size_t{3}, size_t{4093}, (size_t{1} << 20) + 5}) {
    SCOPED_TRACE(bytes);
    TestBuffer out = buffer(bytes);
    TestBuffer in = buffer(bytes);
    out.write(pattern(static_cast<uint64_t>(rank()) + bytes, bytes));
    std::vector<Request> reqs;
    reqs.push_back(transport().isend(next(), out.span(), 7));
    reqs.push_back(transport().irecv(prev(), in.span(), 7));
    wait_all(reqs, Deadline::after(kTestDeadlineSeconds));
    EXPECT_EQ(in.read(), pattern(static_cast<uint64_t>(prev()) + bytes, bytes));
  }
}

// The receiver asks for the second tag first: MPI-like transports match by tag.
TEST_P(TransportConformance, ReceivesMatchByTag) {
  WXFER_REQUIRE_CAPABILITY(two_sided);
  WXFER_REQUIRE_CAPABILITY(tag_matching);
  TestBuffer one = buffer(100), two = buffer(100), got_one = buffer(100), got_two = buffer(100);
  one.write(pattern(1000 + static_cast<uint64_t>(rank()), 100));
  two.write(pattern(2000 + static_cast<uint64_t>(rank()), 100));
  std::vector<Request> reqs;
  reqs.push_back(transport().irecv(prev(), got_two.span(), 2));
  reqs.push_back(transport().irecv(prev(), got_one.span(), 1));
  reqs.push_back(transport().isend(next(), one.span(), 1));
  reqs.push_back(transport().isend(next(), two.span(), 2));
  wait_all(reqs, Deadline::after(kTestDeadlineSeconds));
  EXPECT_EQ(got_one.read(), pattern(1000 + static_cast<uint64_t>(prev()), 100));
  EXPECT_EQ(got_two.read(), pattern(2000 + static_cast<uint64_t>(prev()), 100));
}

// Messages with the same peer and tag arrive in the order they were sent.
TEST_P(TransportConformance, SamePeerAndTagKeepOrder) {
  WXFER_REQUIRE_CAPABILITY(two_sided);
  constexpr int kMessages = 8;
  constexpr size_t kBytes = 33;
  std::vector<TestBuffer> out, in;
  std::vector<Request> reqs;
  for (int i = 0; i < kMessages; ++i) {
    out.push_back(buffer(kBytes));
    in.push_back(buffer(kBytes));
    out.back().write(pattern(static_cast<uint64_t>(rank() * 100 + i), kBytes));
  }
  for (int i = 0; i < kMessages; ++i) {
    reqs.push_back(transport().isend(next(), out[static_cast<size_t>(i)].span(), 5));
    reqs.push_back(transport().irecv(prev(), in[static_cast<size_t>(i)].span(), 5));
  }
  wait_all(reqs, Deadline::after(kTestDeadlineSeconds));
  for (int i = 0; i < kMessages; ++i)
    EXPECT_EQ(in[static_cast<size_t>(i)].read(), pattern(static_cast<uint64_t>(prev() * 100 + i), kBytes)) << "message " << i;
}

// Part of a buffer can be sent and received in place (spans need not start an allocation).
TEST_P(TransportConformance, SendRecvOfSubSpans) {
  WXFER_REQUIRE_CAPABILITY(two_sided);
  TestBuffer out = buffer(1000), in = buffer(1000);
  out.write(pattern(static_cast<uint64_t>(rank()), 1000));
  std::vector<Request> reqs;
  reqs.push_back(transport().isend(next(), out.span(101, 555), 9));
  reqs.push_back(transport().irecv(prev(), in.span(303, 555), 9));
  wait_all(reqs, Deadline::after(kTestDeadlineSeconds));
  const auto sent = pattern(static_cast<uint64_t>(prev()), 1000);
  const auto got = in.read();
  EXPECT_EQ(std::vector<uint8_t>(got.begin() + 303, got.begin() + 858),
            std::vector<uint8_t>(sent.begin() + 101, sent.begin() + 656));
  EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.begin() + 303), std::vector<uint8_t>(303, 0));
  EXPECT_EQ(std::vector<uint8_t>(got.begin() + 858, got.end()), std::vector<uint8_t>(142, 0));
}

}  // namespace
}  // namespace wxfer::test
