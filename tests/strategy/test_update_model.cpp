// How weights change between versions (--update-model): the forms parse and refuse as they
// should; density:D changes about that fraction per step; adam's changes come from bf16
// rounding (more with a larger learning rate); every model is a pure function of (tensor,
// element, version); a trainer's change mask marks exactly the elements a fill changed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "harness/trainer_shards.hpp"
#include "harness/weights.hpp"
#include "layout/layout.hpp"
#include "plan/plan_fixtures.hpp"

namespace wxfer {
namespace {

std::vector<uint16_t> version(const UpdateModel& m, uint32_t tensor, int64_t cols, uint64_t n, uint32_t step) {
  std::vector<uint16_t> out(n);
  fill_weights(m, DType::bf16, tensor, cols, 0, n, step, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

double changed_fraction(const UpdateModel& m, uint32_t tensor, uint32_t step, uint64_t n = 1 << 20) {
  const auto a = version(m, tensor, 4096, n, step - 1), b = version(m, tensor, 4096, n, step);
  uint64_t changed = 0;
  for (uint64_t i = 0; i < n; ++i) changed += a[i] != b[i] ? 1 : 0;
  return static_cast<double>(changed) / static_cast<double>(n);
}

TEST(UpdateModel, ParsesEachFormAndPrintsItBack) {
  EXPECT_EQ(UpdateModel::parse("versioned").kind, UpdateModel::Kind::versioned);
  const UpdateModel d = UpdateModel::parse("density:0.02");
  EXPECT_EQ(d.kind, UpdateModel::Kind::density);
  EXPECT_DOUBLE_EQ(d.density, 0.02);
  EXPECT_DOUBLE_EQ(UpdateModel::parse("density:2%").density, 0.02);
  const UpdateModel a = UpdateModel::parse("adam:lr=3e-6,drift=0.25");
  EXPECT_EQ(a.kind, UpdateModel::Kind::adam);
  EXPECT_DOUBLE_EQ(a.lr, 3e-6);
  EXPECT_DOUBLE_EQ(a.drift, 0.25);
  EXPECT_DOUBLE_EQ(a.scale, 0.02);
  EXPECT_EQ(UpdateModel::parse("adam").to_string(), "adam:lr=1e-05,scale=0.02,drift=0.5");
  for (const char* text : {"versioned", "density:0.5", "adam:lr=2e-06,scale=0.01,drift=0.75"})
    EXPECT_EQ(UpdateModel::parse(UpdateModel::parse(text).to_string()), UpdateModel::parse(text)) << text;
}

TEST(UpdateModel, RefusesBadFormsNamingThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"sgd", "invalid --update-model 'sgd': expected versioned, density:D or adam"},
      {"density", "invalid --update-model 'density': density needs a fraction"},
      {"density:0", "the density must lie in (0, 1]"},
      {"density:1.5", "the density must lie in (0, 1]"},
      {"density:lots", "'lots' is not a fraction"},
      {"adam:lr=2", "lr out of range"},
      {"adam:lr", "'lr' is not key=number"},
      {"adam:momentum=0.9", "unknown key 'momentum' (lr, scale, drift)"},
      {"versioned:1", "expected versioned, density:D or adam"},
  };
  for (const auto& [text, expected] : cases) {
    try {
      UpdateModel::parse(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

TEST(UpdateModel, DensityChangesThatFractionPerStep) {
  for (const double density : {0.001, 0.02, 0.3}) {
    const UpdateModel m = UpdateModel::parse("density:" + std::to_string(density));
    for (const uint32_t step : {1u, 2u, 17u, 1000u}) {
      const double got = changed_fraction(m, 5, step);
      EXPECT_NEAR(got, density, 4 * std::sqrt(density / (1 << 20)) + 1e-4) << "density " << density << " step " << step;
    }
  }
  // density:1 is the versioned generator itself.
  EXPECT_EQ(version(UpdateModel::parse("density:1"), 3, 300, 30000, 9), version(UpdateModel{}, 3, 300, 30000, 9));
}

TEST(UpdateModel, AdamChangesComeFromRoundingAndGrowWithTheLearningRate) {
  const double slow = changed_fraction(UpdateModel::parse("adam:lr=1e-6"), 2, 10);
  const double fast = changed_fraction(UpdateModel::parse("adam:lr=1e-5"), 2, 10);
  EXPECT_GT(slow, 0.0);
  EXPECT_LT(slow, fast);
  EXPECT_LT(fast, 0.5);
  // Weights of the stated scale: the median magnitude of N(0, 1) is 0.674, times per-tensor
  // and per-block factors in [1/2, 2).
  const UpdateModel m = UpdateModel::parse("adam:scale=0.05");
  auto v = version(m, 4, 4096, 1 << 16, 3);
  std::vector<float> magnitude;
  for (const uint16_t bits : v) {
    const uint32_t wide = uint32_t{bits} << 16;
    float f = 0;
    std::memcpy(&f, &wide, 4);
    ASSERT_TRUE(std::isfinite(f));
    magnitude.push_back(std::fabs(f));
  }
  std::nth_element(magnitude.begin(), magnitude.begin() + static_cast<long>(magnitude.size() / 2), magnitude.end());
  const float median = magnitude[magnitude.size() / 2];
  EXPECT_GT(median, 0.05 * 0.674 / 2.5);
  EXPECT_LT(median, 0.05 * 0.674 * 2.5);
}

TEST(UpdateModel, EveryModelIsAPureFunctionOfTensorElementAndVersion) {
  for (const char* text : {"versioned", "density:0.02", "adam:lr=1e-5"}) {
    const UpdateModel m = UpdateModel::parse(text);
    const auto whole = version(m, 7, 333, 10000, 42);
    // Any sub-range, in any order, and float32 tensors carry the bf16 values widened.
    std::vector<uint16_t> part(1000);
    fill_weights(m, DType::bf16, 7, 333, 4321, 1000, 42, reinterpret_cast<uint8_t*>(part.data()));
    EXPECT_TRUE(std::equal(part.begin(), part.end(), whole.begin() + 4321)) << text;
    std::vector<uint32_t> wide(1000);
    fill_weights(m, DType::f32, 7, 333, 4321, 1000, 42, reinterpret_cast<uint8_t*>(wide.data()));
    for (size_t i = 0; i < wide.size(); ++i) ASSERT_EQ(wide[i], uint32_t{whole[4321 + i]} << 16) << text;
    EXPECT_EQ(weight_bf16_bits(m, 7, 333, 5000, 42), whole[5000]) << text;
    // Another version or tensor differs somewhere.
    EXPECT_NE(version(m, 7, 333, 10000, 43), whole) << text;
    EXPECT_NE(version(m, 8, 333, 10000, 42), whole) << text;
  }
}

TEST(UpdateModel, ChangeMaskMarksExactlyWhatAFillChanged) {
  PlanOptions o;
  o.chunk_bytes = 64 << 10;
  const Plan plan(testing::tiny_deepseek(), parse_trainer_layout("fsdp=2"), parse_inference_layout("tp=2"), o);
  TrainerShards shards(plan, 1, UpdateModel::parse("density:0.05"));
  shards.track_changes();
  shards.fill(1);
  const Model& model = plan.trainer_model();
  // After the first fill every bit is set (the receivers hold nothing yet).
  for (uint32_t t = 0; t < model.tensors.size(); ++t) {
    const auto& h = shards.held(t);
    if (!h.held || h.rows.empty() || h.cols.empty()) continue;
    const uint64_t bit = shards.mask_bit(t, h.rows.lo, h.cols.lo);
    EXPECT_TRUE(shards.change_mask()[bit / 64] >> (bit % 64) & 1) << model.tensors[t].name;
  }
  shards.fill(2);
  uint64_t elements = 0, changed = 0;
  for (uint32_t t = 0; t < model.tensors.size(); ++t) {
    const auto& h = shards.held(t);
    if (!h.held) continue;
    const Tensor& tensor = model.tensors[t];
    for (int64_t r = h.rows.lo; r < h.rows.hi; ++r)
      for (int64_t c = h.cols.lo; c < h.cols.hi; ++c) {
        const uint64_t e = static_cast<uint64_t>(r * tensor.cols + c);
        const bool differs = weight_bf16_bits(shards.update_model(), t, tensor.cols, e, 1) !=
                             weight_bf16_bits(shards.update_model(), t, tensor.cols, e, 2);
        const uint64_t bit = shards.mask_bit(t, r, c);
        ASSERT_EQ((shards.change_mask()[bit / 64] >> (bit % 64) & 1) != 0, differs)
            << tensor.name << " (" << r << ", " << c << ")";
        ++elements;
        changed += differs ? 1 : 0;
      }
  }
  EXPECT_NEAR(static_cast<double>(changed) / static_cast<double>(elements), 0.05, 0.01);
}

}  // namespace
}  // namespace wxfer
