// Round trips through HDF5, and the on-disk layout docs/hdf5-schema.md promises.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "record/h5.hpp"
#include "record/h5_table.hpp"
#include "record/run_file.hpp"
#include "sample_runs.hpp"
#include "temp_path.hpp"

namespace wxfer {
namespace {

using testing::temp_path;

void expect_same_event(const Event& a, const Event& b) {
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(std::string(a.stage, strnlen(a.stage, 16)), std::string(b.stage, strnlen(b.stage, 16)));
  EXPECT_EQ(a.bucket, b.bucket);
  EXPECT_EQ(a.peer, b.peer);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.t_begin, b.t_begin);
  EXPECT_EQ(a.t_end, b.t_end);
}

void expect_same(const RunFile& a, const RunFile& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.wxfer_version, b.wxfer_version);
  EXPECT_EQ(a.command_line, b.command_line);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.config, b.config);
  EXPECT_EQ(a.hosts, b.hosts);
  EXPECT_EQ(a.clock_error, b.clock_error);
  ASSERT_EQ(a.ranks.size(), b.ranks.size());
  for (size_t i = 0; i < a.ranks.size(); ++i) {
    EXPECT_EQ(a.ranks[i].rank, b.ranks[i].rank);
    EXPECT_EQ(a.ranks[i].role, b.ranks[i].role);
    EXPECT_EQ(a.ranks[i].host, b.ranks[i].host);
    EXPECT_EQ(a.ranks[i].clock_offset, b.ranks[i].clock_offset);
    EXPECT_EQ(a.ranks[i].clock_error, b.ranks[i].clock_error);
  }
  ASSERT_EQ(a.runs.size(), b.runs.size());
  for (size_t r = 0; r < a.runs.size(); ++r) {
    const auto &x = a.runs[r], &y = b.runs[r];
    EXPECT_EQ(x.label, y.label);
    EXPECT_EQ(x.strategy, y.strategy);
    EXPECT_EQ(x.transport, y.transport);
    EXPECT_EQ(x.simulated, y.simulated);
    EXPECT_EQ(x.lower_bound_seconds, y.lower_bound_seconds);
    EXPECT_EQ(x.bound_kind, y.bound_kind);
    EXPECT_EQ(x.bytes_per_step, y.bytes_per_step);
    EXPECT_EQ(x.params, y.params);
    EXPECT_EQ(x.metrics, y.metrics);
    ASSERT_EQ(x.steps.size(), y.steps.size());
    for (size_t i = 0; i < x.steps.size(); ++i) {
      EXPECT_EQ(x.steps[i].step, y.steps[i].step);
      EXPECT_EQ(x.steps[i].seconds, y.steps[i].seconds);
      EXPECT_EQ(x.steps[i].bytes_landed, y.steps[i].bytes_landed);
      EXPECT_EQ(x.steps[i].verified, y.steps[i].verified);
      EXPECT_EQ(x.steps[i].t_begin, y.steps[i].t_begin);
      EXPECT_EQ(x.steps[i].t_end, y.steps[i].t_end);
      EXPECT_EQ(x.steps[i].bound_seconds, y.steps[i].bound_seconds);
      EXPECT_EQ(x.steps[i].reference_seconds, y.steps[i].reference_seconds);
    }
    ASSERT_EQ(x.events.size(), y.events.size());
    for (size_t i = 0; i < x.events.size(); ++i) expect_same_event(x.events[i], y.events[i]);
    ASSERT_EQ(x.ops.size(), y.ops.size());
    for (size_t i = 0; i < x.ops.size(); ++i) {
      EXPECT_EQ(x.ops[i].rank, y.ops[i].rank);
      EXPECT_EQ(x.ops[i].step, y.ops[i].step);
      EXPECT_EQ(std::string(x.ops[i].kind, strnlen(x.ops[i].kind, 16)), std::string(y.ops[i].kind, strnlen(y.ops[i].kind, 16)));
      EXPECT_EQ(x.ops[i].size_class, y.ops[i].size_class);
      EXPECT_EQ(x.ops[i].ops, y.ops[i].ops);
      EXPECT_EQ(x.ops[i].bytes, y.ops[i].bytes);
    }
  }
}

TEST(RunFile, HandMadeRoundTrip) {
  const RunFile original = testing::hand_made_run();
  const std::string path = temp_path("hand.h5");
  write_run_file(original, path);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  expect_same(original, read_run_file(path));
}

TEST(RunFile, SyntheticRoundTripKeepsRunOrder) {
  const RunFile original = testing::synthetic_benchmark(1.0, false);
  const std::string path = temp_path("bench.h5");
  write_run_file(original, path);
  const RunFile back = read_run_file(path);
  expect_same(original, back);
  // Creation order, not alphabetical ("broadcast" < "gather").
  ASSERT_EQ(back.runs.size(), 3u);
  EXPECT_EQ(back.runs[0].label, "gather");
  EXPECT_EQ(back.runs[2].label, "rdma");
}

TEST(RunFile, EmptyTablesAndNoRuns) {
  RunFile empty;
  empty.kind = "sim";
  const std::string path = temp_path("empty.h5");
  write_run_file(empty, path);
  expect_same(empty, read_run_file(path));

  RunFile no_rows = testing::hand_made_run();
  no_rows.runs[0].steps.clear();
  no_rows.runs[0].events.clear();
  no_rows.runs[0].metrics.clear();
  no_rows.ranks.clear();
  write_run_file(no_rows, path);  // overwrites
  expect_same(no_rows, read_run_file(path));
}

TEST(RunFile, FullWidthFixedStringsSurvive) {
  RunFile f = testing::hand_made_run();
  f.ranks[0].host = std::string(64, 'h');                          // exactly fills host[64], no NUL
  std::memcpy(f.runs[0].events[2].stage, "sixteen_chars_xx", 16);  // exactly fills stage[16]
  const std::string path = temp_path("wide.h5");
  write_run_file(f, path);
  const RunFile back = read_run_file(path);
  EXPECT_EQ(back.ranks[0].host, std::string(64, 'h'));
  EXPECT_EQ(std::string(back.runs[0].events[2].stage, 16), "sixteen_chars_xx");
}

// The layout h5py users rely on: fixed-length NUL-padded strings of the documented sizes.
TEST(RunFile, TablesUseDocumentedFixedStrings) {
  const std::string path = temp_path("layout.h5");
  write_run_file(testing::hand_made_run(), path);
  h5::quiet_errors();
  const h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  ASSERT_TRUE(file.valid());
  auto member_string_size = [&](const char* dataset_path, const char* member) -> size_t {
    const h5::Dataset d(H5Dopen2(file.get(), dataset_path, H5P_DEFAULT));
    const h5::Datatype t(H5Dget_type(d.get()));
    const int index = H5Tget_member_index(t.get(), member);
    if (index < 0) return 0;
    const h5::Datatype m(H5Tget_member_type(t.get(), static_cast<unsigned>(index)));
    EXPECT_EQ(H5Tget_class(m.get()), H5T_STRING);
    EXPECT_EQ(H5Tis_variable_str(m.get()), 0);
    EXPECT_EQ(H5Tget_strpad(m.get()), H5T_STR_NULLPAD);
    return H5Tget_size(m.get());
  };
  EXPECT_EQ(member_string_size("ranks", "role"), 16u);
  EXPECT_EQ(member_string_size("ranks", "host"), 64u);
  EXPECT_EQ(member_string_size("runs/broadcast/events", "stage"), 16u);
  EXPECT_EQ(h5::read_int64_attribute(file.get(), "schema_version"), 1);
  const h5::Group run(H5Gopen2(file.get(), "runs/broadcast", H5P_DEFAULT));
  EXPECT_EQ(h5::read_double_attribute(run.get(), "metric.reference_seconds"), 0.75);
  EXPECT_EQ(h5::read_string_attribute(run.get(), "bound_kind"), "link");
}

// Files written before steps carried `bound_seconds` still read: the field comes back 0.
TEST(RunFile, StepsWithoutBoundReadAsZero) {
  const std::string path = temp_path("old-steps.h5");
  const RunFile original = testing::hand_made_run();
  write_run_file(original, path);
  struct OldStep {
    int32_t step;
    double seconds;
    uint64_t bytes_landed;
    uint8_t verified;
    double t_begin, t_end;
  };
  {
    const h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    ASSERT_TRUE(file.valid());
    const h5::Group run(H5Gopen2(file.get(), "runs/broadcast", H5P_DEFAULT));
    ASSERT_GE(H5Ldelete(run.get(), "steps", H5P_DEFAULT), 0);
    const h5::Datatype type(H5Tcreate(H5T_COMPOUND, sizeof(OldStep)));
    H5Tinsert(type.get(), "step", offsetof(OldStep, step), H5T_NATIVE_INT32);
    H5Tinsert(type.get(), "seconds", offsetof(OldStep, seconds), H5T_NATIVE_DOUBLE);
    H5Tinsert(type.get(), "bytes_landed", offsetof(OldStep, bytes_landed), H5T_NATIVE_UINT64);
    H5Tinsert(type.get(), "verified", offsetof(OldStep, verified), H5T_NATIVE_UINT8);
    H5Tinsert(type.get(), "t_begin", offsetof(OldStep, t_begin), H5T_NATIVE_DOUBLE);
    H5Tinsert(type.get(), "t_end", offsetof(OldStep, t_end), H5T_NATIVE_DOUBLE);
    std::vector<OldStep> rows;
    for (const StepRecord& s : original.runs[0].steps)
      rows.push_back({s.step, s.seconds, s.bytes_landed, s.verified, s.t_begin, s.t_end});
    h5::write_rows(run.get(), "steps", type.get(), rows);
  }
  const RunFile back = read_run_file(path);
  ASSERT_EQ(back.runs[0].steps.size(), original.runs[0].steps.size());
  for (size_t i = 0; i < back.runs[0].steps.size(); ++i) {
    EXPECT_EQ(back.runs[0].steps[i].seconds, original.runs[0].steps[i].seconds);
    EXPECT_EQ(back.runs[0].steps[i].t_end, original.runs[0].steps[i].t_end);
    EXPECT_EQ(back.runs[0].steps[i].bound_seconds, 0.0);
    EXPECT_EQ(back.runs[0].steps[i].reference_seconds, 0.0);
  }
}

}  // namespace
}  // namespace wxfer
