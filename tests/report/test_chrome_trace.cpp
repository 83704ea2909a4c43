// The trace is valid JSON with one "X" slice per recorded event, and no lane overlaps.
#include <gtest/gtest.h>

#include <map>

#include "common/error.hpp"
#include "report/chrome_trace.hpp"
#include "sample_runs.hpp"

namespace wxfer::report {
namespace {

size_t count_slices(const nlohmann::json& trace) {
  size_t n = 0;
  for (const auto& e : trace["traceEvents"]) n += e["ph"] == "X" ? 1 : 0;
  return n;
}

TEST(ChromeTrace, OneSlicePerEventAndParsesBack) {
  const RunFile f = testing::synthetic_benchmark(1.0, false);
  size_t recorded = 0;
  for (const auto& r : f.runs) recorded += r.events.size();
  const nlohmann::json trace = nlohmann::json::parse(chrome_trace(f, std::nullopt).dump());
  EXPECT_EQ(count_slices(trace), recorded);
  EXPECT_EQ(trace["displayTimeUnit"], "ms");
  for (const auto& e : trace["traceEvents"]) {
    ASSERT_TRUE(e["ph"] == "X" || e["ph"] == "M") << e.dump();
    if (e["ph"] != "X") continue;
    EXPECT_GE(e["ts"].get<double>(), 0.0);
    EXPECT_GE(e["dur"].get<double>(), 0.0);
    for (const char* key : {"bytes", "peer", "bucket", "step"}) EXPECT_TRUE(e["args"].contains(key)) << key;
  }
}

TEST(ChromeTrace, ProcessPerRankAndNoOverlapOnALane) {
  const RunFile f = testing::hand_made_run();
  const nlohmann::json trace = chrome_trace(f, std::string("broadcast"));
  EXPECT_EQ(count_slices(trace), f.runs[0].events.size());
  std::map<int, std::string> process_names;
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> lanes;
  std::map<std::pair<int, int>, std::string> lane_names;
  for (const auto& e : trace["traceEvents"]) {
    const int pid = e["pid"], tid = e["tid"];
    if (e["ph"] == "M" && e["name"] == "process_name") process_names[pid] = e["args"]["name"];
    if (e["ph"] == "M" && e["name"] == "thread_name") lane_names[{pid, tid}] = e["args"]["name"];
    if (e["ph"] == "X") lanes[{pid, tid}].push_back({e["ts"], e["ts"].get<double>() + e["dur"].get<double>()});
  }
  ASSERT_EQ(process_names.size(), 4u);
  EXPECT_EQ(process_names.at(1), "broadcast: rank 0 (trainer, h0)");
  EXPECT_EQ(process_names.at(4), "broadcast: rank 3 (inference, h1)");
  for (auto& [lane, slices] : lanes) {
    EXPECT_TRUE(lane_names.contains(lane));
    std::sort(slices.begin(), slices.end());
    for (size_t i = 1; i < slices.size(); ++i) EXPECT_LE(slices[i - 1].second, slices[i].first + 1e-9);
  }
}

TEST(ChromeTrace, OverlappingEventsOfOneStageGetExtraLanes) {
  RunFile f = testing::hand_made_run();
  f.runs[0].events = {testing::event(0, 0, "transfer", 0.0, 1.0, 10, 2), testing::event(0, 0, "transfer", 0.5, 1.5, 10, 3),
                      testing::event(0, 0, "transfer", 1.2, 2.0, 10, 2)};
  const nlohmann::json trace = chrome_trace(f, std::nullopt);
  std::vector<std::string> thread_names;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "thread_name") thread_names.push_back(e["args"]["name"]);
  }
  EXPECT_EQ(thread_names, (std::vector<std::string>{"transfer", "transfer #2"}));
}

TEST(ChromeTrace, UnknownRunNamesTheChoices) {
  try {
    chrome_trace(testing::synthetic_benchmark(1.0, false), std::string("nope"));
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "no run 'nope' in the file (runs: gather, broadcast, rdma)");
  }
}

}  // namespace
}  // namespace wxfer::report
