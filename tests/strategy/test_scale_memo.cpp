// The scales a sender keeps from quantizing a weight are handed out only when every one
// asked for was computed in the current step.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "plan/plan_fixtures.hpp"
#include "strategy/scale_memo.hpp"

namespace wxfer {
namespace {

uint32_t first_quantizable(const Model& m) {
  for (uint32_t i = 0; i < m.tensors.size(); ++i)
    if (m.tensors[i].quantizable && m.tensors[i].rows > 2 * kFp8Block && m.tensors[i].cols > kFp8Block) return i;
  ADD_FAILURE() << "no quantizable tensor";
  return 0;
}

TEST(ScaleMemo, HandsOutOnlyThisStepsCompleteGrids) {
  const Model m = testing::tiny_deepseek();
  const uint32_t t = first_quantizable(m);
  ScaleMemo memo(m);
  const std::vector<float> grid{1.5f, 2.5f, 3.5f, 4.5f};  // 2 x 2
  std::vector<uint8_t> out(4 * sizeof(float) + 1);
  EXPECT_FALSE(memo.get(t, 0, 0, 1, 1, out.data(), sizeof(float)));  // nothing stored yet
  memo.put(t, 1, 0, 2, 2, grid.data(), 2);
  // Unaligned output, a sub-grid: rows 1-2, col 1.
  ASSERT_TRUE(memo.get(t, 1, 1, 2, 1, out.data() + 1, sizeof(float)));
  float got[2];
  std::memcpy(got, out.data() + 1, sizeof(got));
  EXPECT_EQ(got[0], 2.5f);
  EXPECT_EQ(got[1], 4.5f);
  EXPECT_FALSE(memo.get(t, 0, 0, 2, 1, out.data(), sizeof(float)));  // row 0 was never stored
  memo.clear();                                                      // the next step
  EXPECT_FALSE(memo.get(t, 1, 0, 2, 2, out.data(), 2 * sizeof(float)));
}

TEST(ScaleMemo, TensorsWithoutScalesNeverHit) {
  const Model m = testing::tiny_deepseek();
  ScaleMemo memo(m);
  const float one = 1.0f;
  uint8_t out[4];
  for (uint32_t i = 0; i < m.tensors.size(); ++i) {
    if (m.tensors[i].quantizable) continue;
    memo.put(i, 0, 0, 1, 1, &one, 1);
    EXPECT_FALSE(memo.get(i, 0, 0, 1, 1, out, 4)) << m.tensors[i].name;
    break;
  }
}

}  // namespace
}  // namespace wxfer
