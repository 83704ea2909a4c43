// Simulator validation read from merged measured and simulated run groups.
#include "report/validation.hpp"

#include <gtest/gtest.h>

namespace wxfer::report {
namespace {

RunStats run(const std::string& label, bool simulated, double median) {
  RunStats s;
  s.label = label;
  s.strategy = label.substr(0, label.find('@'));
  s.simulated = simulated;
  s.steps = 5;
  s.median_seconds = median;
  return s;
}

TEST(Validation, PairsRoundsAndTakesMedianAndWorst) {
  const std::vector<RunStats> runs = {
      run("rdma@round=1", false, 1.0),           run("rdma@round=1,cal=0", true, 1.1),  run("rdma@round=1,cal=1", true, 1.3),
      run("rdma@round=2", false, 2.0),           run("rdma@round=2,cal=1", true, 1.8),  run("rdma@round=2,cal=2", true, 1.8),
      run("rdma@round=3", false, 1.0),           run("rdma@round=3,cal=2", true, 1.05), run("gather@round=1", false, 4.0),
      run("gather@round=1,cal=0", true, 4.0),    run("broadcast", false, 1.0),  // not a validation run
      run("broadcast@round=1,cal=0", true, 2.0),                                // no measured partner
  };
  const auto rows = validation_rows(runs);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].strategy, "gather");
  EXPECT_NEAR(rows[0].errors.at(0), 0.0, 1e-12);
  const ValidationRow& r = rows[1];
  EXPECT_EQ(r.strategy, "rdma");
  EXPECT_EQ(r.rounds, (std::vector<int>{1, 2, 3}));
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_NEAR(r.errors[0], 0.2, 1e-12);   // mean of 1.1 and 1.3 against 1.0
  EXPECT_NEAR(r.errors[1], -0.1, 1e-12);  // 1.8 against 2.0
  EXPECT_NEAR(r.errors[2], 0.05, 1e-12);
  EXPECT_NEAR(r.median_error, 0.05, 1e-12);
  EXPECT_NEAR(r.worst_error, 0.2, 1e-12);
  EXPECT_EQ(r.within, 2);
  const std::string table = validation_markdown(rows);
  EXPECT_NE(table.find("| rdma | 3 | +5.0% | +20.0% | 2 of 3 |"), std::string::npos) << table;
}

TEST(Validation, NoPairsNoTable) {
  const std::vector<RunStats> runs = {run("rdma", false, 1.0), run("rdma@inference_gpus=16", true, 1.0)};
  EXPECT_TRUE(validation_rows(runs).empty());
  EXPECT_EQ(validation_markdown({}), "");
}

}  // namespace
}  // namespace wxfer::report
