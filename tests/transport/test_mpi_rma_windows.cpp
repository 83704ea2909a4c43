// mpi-rma's two kinds of window over memory MPI allocates (WXFER_MPI_RMA_WINDOW) and its two
// ways of putting into shared ones (WXFER_MPI_RMA_PUTS): one host runs them all, whichever
// the automatic choice would pick, so that each is checked here with every kind of put the
// rdma strategy makes, and with the operations it says it issued.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstring>
#include <string>

#include "common/error.hpp"
#include "common/scoped_environment.hpp"
#include "test_buffer.hpp"
#include "transport/mpi_rma/mpi_rma_transport.hpp"

namespace wxfer::test {
namespace {

struct WindowSetting {
  const char* window;  // WXFER_MPI_RMA_WINDOW
  const char* puts;    // WXFER_MPI_RMA_PUTS
  bool direct;         // what one host then gets
};

class MpiRmaWindowTest : public testing::TestWithParam<WindowSetting> {};

// Every rank exposes a window of its own size (rank 0 none) and writes its region of every
// other rank's: a contiguous put, a strided box, and three column boxes interleaved row by row.
TEST_P(MpiRmaWindowTest, EveryKindOfPutLandsInEveryPeersWindow) {
  const ScopedEnvironment window_setting("WXFER_MPI_RMA_WINDOW", GetParam().window);
  const ScopedEnvironment puts_setting("WXFER_MPI_RMA_PUTS", GetParam().puts);
  const Control control(MPI_COMM_WORLD);
  MpiRmaTransport transport(control);
  EXPECT_EQ(transport.windows_shared(), std::string(GetParam().window) != "allocate");  // one host: auto picks shared
  EXPECT_EQ(transport.settings()["puts"], GetParam().direct ? "direct copies into the shared window" : "MPI_Put");
  const int size = transport.size(), rank = transport.rank();
  constexpr size_t kRows = 37, kRowBytes = 40, kStride = 3 * kRowBytes + 9;
  constexpr size_t kBox = kRows * kRowBytes, kContiguous = 3001;
  constexpr size_t kRegion = kContiguous + 4 * kBox;  // what one writer puts in one window
  const size_t mine = rank == 0 ? 0 : kRegion * static_cast<size_t>(size);
  auto window = transport.expose_new(mine);
  ASSERT_EQ(window->local().bytes, mine);
  std::memset(window->local().data, 0, mine);
  TestBuffer src(MemoryKind::host, kContiguous + kRows * kStride);
  src.write(pattern(static_cast<uint64_t>(rank) + 5, kContiguous + kRows * kStride));
  const uint8_t* rows = src.data() + kContiguous;
  WXFER_CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));  // every window zeroed before any put
  for (int t = 1; t < size; ++t) {
    const uint64_t at = static_cast<uint64_t>(rank) * kRegion;
    window->put(t, at, src.data(), kContiguous);
    window->put_strided(t, at + kContiguous, rows, kRows, kRowBytes, kStride);
    const StridedBox boxes[] = {{t, at + kContiguous + kBox, rows, kRows, kRowBytes, kStride},
                                {t, at + kContiguous + 2 * kBox, rows + kRowBytes, kRows, kRowBytes, kStride},
                                {t, at + kContiguous + 3 * kBox, rows + 2 * kRowBytes, kRows, kRowBytes, kStride}};
    window->put_interleaved(boxes);
  }
  window->flush(Deadline::after(60.0));
  // Per target: direct copies are one operation per box (and one for the contiguous run);
  // MPI_Put is one per contiguous run, one per hvector box, and one per row interleaved.
  uint64_t ops = 0, bytes = 0;
  for (const OpCount& c : transport.ops().take()) {
    EXPECT_EQ(c.kind, OpKind::put);
    ops += c.ops;
    bytes += c.bytes;
  }
  const auto targets = static_cast<uint64_t>(size - 1);
  EXPECT_EQ(bytes, targets * kRegion);
  EXPECT_EQ(ops, targets * (GetParam().direct ? 5 : 2 + 3 * kRows));
  WXFER_CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  if (rank != 0) {
    const auto* got = static_cast<const uint8_t*>(window->local().data);
    for (int w = 0; w < size; ++w) {
      SCOPED_TRACE("region written by rank " + std::to_string(w));
      const auto from = pattern(static_cast<uint64_t>(w) + 5, kContiguous + kRows * kStride);
      std::vector<uint8_t> want(kRegion, 0);
      std::copy_n(from.begin(), kContiguous, want.begin());
      for (size_t r = 0; r < kRows; ++r) {
        const auto row = from.begin() + static_cast<long>(kContiguous + r * kStride);
        std::copy_n(row, kRowBytes, want.begin() + static_cast<long>(kContiguous + r * kRowBytes));
        for (size_t box = 0; box < 3; ++box)
          std::copy_n(row + static_cast<long>(box * kRowBytes), kRowBytes,
                      want.begin() + static_cast<long>(kContiguous + (box + 1) * kBox + r * kRowBytes));
      }
      const std::vector<uint8_t> region(got + w * kRegion, got + (w + 1) * kRegion);
      EXPECT_EQ(region, want);
    }
  }
  WXFER_CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));  // nobody frees the window while a peer still checks
}

INSTANTIATE_TEST_SUITE_P(Windows, MpiRmaWindowTest,
                         testing::Values(WindowSetting{"shared", "auto", true}, WindowSetting{"shared", "mpi", false},
                                         WindowSetting{"allocate", "auto", false}, WindowSetting{"auto", "auto", true},
                                         WindowSetting{"auto", "direct", true}),
                         [](const testing::TestParamInfo<WindowSetting>& s) {
                           return std::string(s.param.window) + "_puts_" + s.param.puts;
                         });

// An MPI error inside a window (a put to a rank that does not exist) comes back as a
// SystemError naming the call, not as the library's abort of the job: windows do not
// inherit their communicator's error handler, so allocate_window sets it.
TEST_P(MpiRmaWindowTest, MpiErrorsInTheWindowComeBackAsSystemErrors) {
  const ScopedEnvironment setting("WXFER_MPI_RMA_WINDOW", GetParam().window);
  int size = 0;
  WXFER_CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
  MPI_Win win = MPI_WIN_NULL;
  void* base = allocate_window(MPI_COMM_WORLD, 64, use_shared_windows(MPI_COMM_WORLD), &win);
  ASSERT_NE(base, nullptr);
  WXFER_CHECK_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, win));
  const char byte = 7;
  try {
    WXFER_CHECK_MPI(MPI_Put(&byte, 1, MPI_BYTE, size, 0, 1, MPI_BYTE, win));
    ADD_FAILURE() << "a put to rank " << size << " of " << size << " was accepted";
  } catch (const SystemError& e) {
    EXPECT_NE(std::string(e.what()).find("MPI_Put"), std::string::npos) << e.what();
  }
  WXFER_CHECK_MPI(MPI_Win_unlock_all(win));
  WXFER_CHECK_MPI(MPI_Win_free(&win));
}

TEST(MpiRmaWindow, BadSettingIsAUsageErrorNamingIt) {
  const ScopedEnvironment setting("WXFER_MPI_RMA_WINDOW", "dynamic");
  const Control control(MPI_COMM_WORLD);
  try {
    MpiRmaTransport transport(control);
    FAIL() << "WXFER_MPI_RMA_WINDOW=dynamic was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("WXFER_MPI_RMA_WINDOW 'dynamic'"), std::string::npos) << e.what();
  }
}

TEST(MpiRmaWindow, DirectPutsNeedSharedWindows) {
  const ScopedEnvironment window_setting("WXFER_MPI_RMA_WINDOW", "allocate");
  const ScopedEnvironment puts_setting("WXFER_MPI_RMA_PUTS", "direct");
  const Control control(MPI_COMM_WORLD);
  try {
    MpiRmaTransport transport(control);
    FAIL() << "WXFER_MPI_RMA_PUTS=direct was accepted with MPI_Win_allocate windows";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("WXFER_MPI_RMA_PUTS 'direct': the windows are not shared"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace wxfer::test
