// MXFP4: the sender's kernel against the definitions, value by value.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include "common/error.hpp"
#include "quant/mxfp4.hpp"

namespace wxfer::quant::mxfp4 {
namespace {

uint16_t bf16(float v) { return static_cast<uint16_t>(std::bit_cast<uint32_t>(v) >> 16); }

struct Quantized {
  std::vector<uint8_t> codes, scales;
};

Quantized run(const std::vector<uint16_t>& row, bool reference) {
  Quantized q{std::vector<uint8_t>(row.size() / 2, 0xAA), std::vector<uint8_t>(row.size() / kBlock, 0xAA)};
  (reference ? quantize_row_reference : quantize_row)(row.data(), static_cast<int64_t>(row.size()), q.codes.data(),
                                                      q.scales.data());
  return q;
}

uint8_t code_at(const Quantized& q, size_t i) { return (q.codes[i / 2] >> (4 * (i % 2))) & 0x0F; }

TEST(Mxfp4, RoundsToNearestTiesToEvenAndSaturates) {
  // amax 6: the shared exponent is floor(log2 6) - 2 = 0, so values quantize as they are.
  std::vector<uint16_t> row(kBlock, bf16(0.0f));
  const float values[] = {6.0f, 0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f, -0.5f, 0.3f, -6.0f};
  const uint8_t want[] = {7, 0, 2, 2, 4, 4, 6, 6, 8 | 1, 1, 8 | 7};
  for (size_t i = 0; i < std::size(values); ++i) row[i] = bf16(values[i]);
  for (bool reference : {false, true}) {
    const Quantized q = run(row, reference);
    EXPECT_EQ(q.scales[0], 127) << reference;
    for (size_t i = 0; i < std::size(values); ++i) EXPECT_EQ(code_at(q, i), want[i]) << values[i] << " ref " << reference;
  }
  // amax 7 has the same exponent as 6 (floor(log2 7) = 2): 7 saturates to 6.
  row[0] = bf16(7.0f);
  EXPECT_EQ(code_at(run(row, false), 0), 7);
  // Scaled: amax 48 = 6 * 8 gives exponent 3 (scale byte 130), and 12 is 1.5 * 8.
  row[0] = bf16(48.0f);
  row[1] = bf16(12.0f);
  const Quantized q = run(row, false);
  EXPECT_EQ(q.scales[0], 130);
  EXPECT_EQ(code_at(q, 1), 3);
}

TEST(Mxfp4, ZeroAndNonFiniteBlocks) {
  std::vector<uint16_t> row(2 * kBlock, bf16(0.0f));
  row[kBlock + 3] = 0x7FC0;  // NaN in the second block
  for (bool reference : {false, true}) {
    const Quantized q = run(row, reference);
    EXPECT_EQ(q.scales[0], 127);
    EXPECT_EQ(q.scales[1], 0xFF);
    for (uint8_t c : q.codes) EXPECT_EQ(c, 0);
  }
}

// The kernel against the reference on every bf16 bit pattern (each in blocks whose largest
// value varies), and on random rows with wide and narrow exponent ranges.
TEST(Mxfp4, KernelMatchesTheReferenceBitForBit) {
  std::vector<uint16_t> row;
  for (uint32_t v = 0; v < 65536; ++v) row.push_back(static_cast<uint16_t>(v));
  std::mt19937 rng(7);
  for (int exponent_spread : {2, 8, 40}) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<int> shift(-exponent_spread, exponent_spread);
    for (int i = 0; i < 32 * 2048; ++i) row.push_back(bf16(std::ldexp(normal(rng), shift(rng))));
  }
  const Quantized fast = run(row, false), reference = run(row, true);
  ASSERT_EQ(fast.scales, reference.scales);
  ASSERT_EQ(fast.codes, reference.codes);
}

TEST(Mxfp4, DequantizedIsCloseToTheInput) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<uint16_t> row(4 * kBlock);
  for (auto& v : row) v = bf16(normal(rng));
  const Quantized q = run(row, false);
  std::vector<float> back(row.size());
  dequantize_row(q.codes.data(), q.scales.data(), static_cast<int64_t>(row.size()), back.data());
  for (size_t i = 0; i < row.size(); ++i) {
    const float x = std::bit_cast<float>(static_cast<uint32_t>(row[i]) << 16);
    const float scale = std::ldexp(1.0f, q.scales[i / kBlock] - 127);
    // Steps between e2m1 magnitudes are at most 2 (4 -> 6); saturation adds at most 2 more.
    EXPECT_LE(std::fabs(back[i] - x), 2.0f * scale) << i;
  }
}

TEST(Mxfp4, RowsMustBeWholeBlocks) {
  std::vector<uint16_t> row(48);
  std::vector<uint8_t> codes(24), scales(2);
  EXPECT_THROW(quantize_row(row.data(), 48, codes.data(), scales.data()), SystemError);
}

}  // namespace
}  // namespace wxfer::quant::mxfp4
