// Windows: puts from several ranks into disjoint regions, puts at the edges, bad puts.
#include "conformance_fixture.hpp"

namespace wxfer::test {
namespace {

uint64_t region_seed(int writer, int target) { return static_cast<uint64_t>(writer * 1000 + target); }

// Every rank writes region [w * kRegion, (w + 1) * kRegion) of every rank's window (its
// own included), in three uneven puts; after flush and a barrier each region is whole.
TEST_P(TransportConformance, PutsFromEveryRankLandInDisjointRegions) {
  WXFER_REQUIRE_CAPABILITY(one_sided);
  constexpr size_t kRegion = 4099;
  TestBuffer exposed = buffer(kRegion * static_cast<size_t>(size()));
  auto window = transport().expose(exposed.span());
  ASSERT_EQ(window->local().bytes, exposed.span().bytes);
  std::vector<TestBuffer> sources;
  for (int t = 0; t < size(); ++t) {
    sources.push_back(buffer(kRegion));
    sources.back().write(pattern(region_seed(rank(), t), kRegion));
  }
  for (int t = 0; t < size(); ++t) {
    const uint8_t* src = sources[static_cast<size_t>(t)].data();
    const uint64_t base = static_cast<uint64_t>(rank()) * kRegion;
    window->put(t, base, src, 1);
    window->put(t, base + 1, src + 1, 2047);
    window->put(t, base + 2048, src + 2048, kRegion - 2048);
  }
  window->flush(Deadline::after(kTestDeadlineSeconds));
  world_barrier();
  const auto got = exposed.read();
  for (int w = 0; w < size(); ++w) {
    const auto want = pattern(region_seed(w, rank()), kRegion);
    EXPECT_TRUE(std::equal(want.begin(), want.end(), got.begin() + static_cast<long>(w * kRegion)))
        << "region written by rank " << w;
  }
  world_barrier();  // nobody tears the window down while a peer still checks
}

// Windows of different sizes per rank; the first byte, the last byte and a put that ends
// exactly at the end all land, and nothing else changes.
TEST_P(TransportConformance, PutsAtWindowEdges) {
  WXFER_REQUIRE_CAPABILITY(one_sided);
  auto window_bytes = [](int r) { return size_t{1000} + static_cast<size_t>(r) * 7; };
  TestBuffer exposed = buffer(window_bytes(rank()));
  auto window = transport().expose(exposed.span());
  const size_t target_bytes = window_bytes(next());
  TestBuffer src = buffer(64);
  src.write(pattern(static_cast<uint64_t>(rank()), 64));
  window->put(next(), 0, src.data(), 1);
  window->put(next(), target_bytes - 1, src.data() + 1, 1);
  window->put(next(), target_bytes - 40, src.data() + 10, 38);  // ends at target_bytes - 2
  window->flush(Deadline::after(kTestDeadlineSeconds));
  world_barrier();
  const auto got = exposed.read();
  const auto from = pattern(static_cast<uint64_t>(prev()), 64);
  std::vector<uint8_t> want(window_bytes(rank()), 0);
  want[0] = from[0];
  want[want.size() - 1] = from[1];
  std::copy(from.begin() + 10, from.begin() + 48, want.end() - 40);
  EXPECT_EQ(got, want);
  world_barrier();
}

// A put that does not fit is refused before anything moves, on the rank that issued it.
TEST_P(TransportConformance, PutsOutsideTheWindowThrow) {
  WXFER_REQUIRE_CAPABILITY(one_sided);
  TestBuffer exposed = buffer(256);
  auto window = transport().expose(exposed.span());
  TestBuffer src = buffer(16);
  EXPECT_THROW(window->put(next(), 250, src.data(), 7), SystemError);
  EXPECT_THROW(window->put(next(), 257, src.data(), 0), SystemError);
  EXPECT_THROW(window->put(next(), ~uint64_t{0}, src.data(), 2), SystemError);
  EXPECT_THROW(window->put(size(), 0, src.data(), 1), SystemError);
  window->put(next(), 256, src.data(), 0);  // empty, at the very end: fine
  window->flush(Deadline::after(kTestDeadlineSeconds));
  world_barrier();
  EXPECT_EQ(exposed.read(), std::vector<uint8_t>(256, 0));
  world_barrier();
}

// A column box of a row-major source (rows runs of row_bytes, src_stride apart) lands packed
// at the target; one-row and contiguous boxes too; a box past the window is refused.
TEST_P(TransportConformance, StridedPutsLandPacked) {
  WXFER_REQUIRE_CAPABILITY(one_sided);
  constexpr size_t kRows = 37, kRowBytes = 301, kStride = 1000, kTarget = 2 + kRows * kRowBytes + kRowBytes + 40 + 3;
  TestBuffer exposed = buffer(kTarget);
  auto window = transport().expose(exposed.span());
  TestBuffer src = buffer(kRows * kStride);
  const auto bytes = pattern(static_cast<uint64_t>(rank()) + 5, kRows * kStride);
  src.write(bytes);
  window->put_strided(next(), 2, src.data() + 17, kRows, kRowBytes, kStride);
  window->put_strided(next(), 2 + kRows * kRowBytes, src.data() + 3, 1, kRowBytes, kStride);
  window->put_strided(next(), 2 + kRows * kRowBytes + kRowBytes, src.data(), 4, 10, 10);
  EXPECT_THROW(window->put_strided(next(), kTarget - 2 * kRowBytes + 1, src.data(), 2, kRowBytes, kStride), SystemError);
  window->flush(Deadline::after(kTestDeadlineSeconds));
  world_barrier();
  const auto from = pattern(static_cast<uint64_t>(prev()) + 5, kRows * kStride);
  std::vector<uint8_t> want(kTarget, 0);
  for (size_t r = 0; r < kRows; ++r)
    std::copy_n(from.begin() + static_cast<long>(17 + r * kStride), kRowBytes,
                want.begin() + static_cast<long>(2 + r * kRowBytes));
  std::copy_n(from.begin() + 3, kRowBytes, want.begin() + static_cast<long>(2 + kRows * kRowBytes));
  std::copy_n(from.begin(), 40, want.begin() + static_cast<long>(2 + kRows * kRowBytes + kRowBytes));
  EXPECT_EQ(exposed.read(), want);
  world_barrier();
}

// Column boxes of the same source rows, interleaved row by row, land packed where each says,
// to two different peers; a box past the window is refused.
TEST_P(TransportConformance, InterleavedPutsLandPacked) {
  WXFER_REQUIRE_CAPABILITY(one_sided);
  constexpr size_t kRows = 23, kRowBytes = 48, kStride = 3 * kRowBytes + 5, kBox = kRows * kRowBytes, kTarget = 3 * kBox + 7;
  TestBuffer exposed = buffer(kTarget);
  auto window = transport().expose(exposed.span());
  TestBuffer src = buffer(kRows * kStride);
  src.write(pattern(static_cast<uint64_t>(rank()) + 11, kRows * kStride));
  // Boxes 0 and 1 to the next rank (its regions 0 and 1), box 2 to the previous (its region 2).
  const StridedBox boxes[] = {{next(), 0, src.data(), kRows, kRowBytes, kStride},
                              {next(), kBox, src.data() + kRowBytes, kRows, kRowBytes, kStride},
                              {prev(), 2 * kBox, src.data() + 2 * kRowBytes, kRows, kRowBytes, kStride}};
  window->put_interleaved(boxes);
  const StridedBox past[] = {{next(), kTarget - kRowBytes + 1, src.data(), kRows, kRowBytes, kStride}};
  EXPECT_THROW(window->put_interleaved(past), SystemError);
  window->flush(Deadline::after(kTestDeadlineSeconds));
  world_barrier();
  const auto from_prev = pattern(static_cast<uint64_t>(prev()) + 11, kRows * kStride);
  const auto from_next = pattern(static_cast<uint64_t>(next()) + 11, kRows * kStride);
  std::vector<uint8_t> want(kTarget, 0);
  for (size_t r = 0; r < kRows; ++r)
    for (size_t box = 0; box < 3; ++box)
      std::copy_n((box < 2 ? from_prev : from_next).begin() + static_cast<long>(r * kStride + box * kRowBytes), kRowBytes,
                  want.begin() + static_cast<long>(box * kBox + r * kRowBytes));
  EXPECT_EQ(exposed.read(), want);
  world_barrier();
}

// A rank may expose nothing (an inference rank that receives no shard, say).
TEST_P(TransportConformance, RankZeroExposesNothing) {
  WXFER_REQUIRE_CAPABILITY(one_sided);
  const size_t mine = rank() == 0 ? 0 : 512;
  TestBuffer exposed = buffer(mine);
  auto window = transport().expose(exposed.span());
  TestBuffer src = buffer(512);
  src.write(pattern(static_cast<uint64_t>(rank()), 512));
  if (next() != 0) window->put(next(), 0, src.data(), 512);
  window->flush(Deadline::after(kTestDeadlineSeconds));
  world_barrier();
  if (rank() != 0 && prev() != rank()) {
    EXPECT_EQ(exposed.read(), pattern(static_cast<uint64_t>(prev()), 512));
  }
  world_barrier();
}

// Memory the transport allocates to expose (expose_new): host memory of the asked size that
// peers' puts fill; rank 0 asks for none. Sources come from the backend's test buffers.
TEST_P(TransportConformance, ExposeNewAllocatesWritableHostMemory) {
  WXFER_REQUIRE_CAPABILITY(one_sided);
  WXFER_REQUIRE_CAPABILITY(host_memory);
  const size_t mine = rank() == 0 ? 0 : 1536;
  auto window = transport().expose_new(mine);
  ASSERT_EQ(window->local().bytes, mine);
  EXPECT_EQ(window->local().kind, MemoryKind::host);
  TestBuffer src = buffer(1536);
  src.write(pattern(static_cast<uint64_t>(rank()) + 77, 1536));
  if (next() != 0) {
    window->put(next(), 0, src.data(), 1000);
    window->put(next(), 1000, src.data() + 1000, 536);
  }
  window->flush(Deadline::after(kTestDeadlineSeconds));
  world_barrier();
  if (rank() != 0 && prev() != rank()) {
    const auto* got = static_cast<const uint8_t*>(window->local().data);
    EXPECT_EQ(std::vector<uint8_t>(got, got + 1536), pattern(static_cast<uint64_t>(prev()) + 77, 1536));
  }
  world_barrier();
}

}  // namespace
}  // namespace wxfer::test
