// Every unreadable input is one UsageError line that names the file and says what is wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "record/h5.hpp"
#include "record/run_file.hpp"
#include "sample_runs.hpp"
#include "temp_path.hpp"

namespace wxfer {
namespace {

using testing::temp_path;
namespace fs = std::filesystem;

std::string read_error(const std::string& path) {
  try {
    read_run_file(path);
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "no UsageError for " << path;
  return "";
}

TEST(RunFileErrors, Missing) { EXPECT_NE(read_error(temp_path("nope.h5")).find("no such file"), std::string::npos); }

TEST(RunFileErrors, TextFileIsNotHdf5) {
  const std::string path = temp_path("notes.txt");
  std::ofstream(path) << "step,seconds\n0,1.5\n";
  EXPECT_NE(read_error(path).find("is not an HDF5 file"), std::string::npos);
}

TEST(RunFileErrors, ForeignHdf5) {
  const std::string path = temp_path("foreign.h5");
  {
    h5::quiet_errors();
    const h5::File f(WXFER_CHECK_H5(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)));
  }
  EXPECT_NE(read_error(path).find("not a wxfer run file"), std::string::npos);
}

TEST(RunFileErrors, WrongSchemaVersion) {
  const std::string path = temp_path("future.h5");
  write_run_file(testing::hand_made_run(), path);
  {
    const h5::File f(WXFER_CHECK_H5(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)));
    WXFER_CHECK_H5(H5Adelete(f.get(), "schema_version"));
    h5::write_int32_attribute(f.get(), "schema_version", 2);
  }
  EXPECT_NE(read_error(path).find("has schema_version 2; this wxfer reads version 1"), std::string::npos);
}

TEST(RunFileErrors, TruncatedToHalf) {
  const std::string path = temp_path("cut.h5");
  write_run_file(testing::synthetic_benchmark(1.0, false), path);
  fs::resize_file(path, fs::file_size(path) / 2);
  EXPECT_NE(read_error(path).find("is truncated, corrupt"), std::string::npos);
}

TEST(RunFileErrors, MissingTableIsCorrupt) {
  const std::string path = temp_path("no-events.h5");
  write_run_file(testing::hand_made_run(), path);
  {
    const h5::File f(WXFER_CHECK_H5(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)));
    WXFER_CHECK_H5(H5Ldelete(f.get(), "runs/broadcast/events", H5P_DEFAULT));
  }
  const std::string message = read_error(path);
  EXPECT_NE(message.find("is truncated, corrupt"), std::string::npos) << message;
}

TEST(RunFileErrors, WriteIntoMissingDirectory) {
  const std::string path = temp_path("no-such-dir/run.h5");
  try {
    write_run_file(testing::hand_made_run(), path);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos);
  }
}

TEST(RunFileErrors, OverlongHostRemovesTmpAndKeepsNoFile) {
  RunFile f = testing::hand_made_run();
  f.ranks[1].host = std::string(65, 'x');
  const std::string path = temp_path("long-host.h5");
  EXPECT_THROW(write_run_file(f, path), UsageError);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

TEST(RunFileErrors, FailedCallIsOneLineSystemError) {
  h5::quiet_errors();
  try {
    WXFER_CHECK_H5(H5Fopen("/nonexistent/dir/x.h5", H5F_ACC_RDONLY, H5P_DEFAULT));
    FAIL() << "expected SystemError";
  } catch (const SystemError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("H5Fopen(\"/nonexistent/dir/x.h5\""), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace wxfer
