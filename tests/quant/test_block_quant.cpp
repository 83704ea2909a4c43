// Block quantization: the fast kernel against the float64 reference, bit for bit, and the
// policies of docs/quantization.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "common/error.hpp"
#include "quant/block_kernels.hpp"
#include "quant/fp8_e4m3.hpp"
#include "quant_fixtures.hpp"

namespace wxfer::quant {
namespace {

using testing::make_output;
using testing::Quantized;
using testing::random_bf16;

void expect_same(const Quantized& a, const Quantized& b) {
  ASSERT_EQ(a.fp8.size(), b.fp8.size());
  for (size_t i = 0; i < a.fp8.size(); ++i) ASSERT_EQ(a.fp8[i], b.fp8[i]) << "byte " << i;
  for (size_t i = 0; i < a.scales.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(a.scales[i]), std::bit_cast<uint32_t>(b.scales[i])) << "scale " << i;
}

// Quantizes with both kernels and checks they agree; returns the reference output.
Quantized quantize_both(Bf16Region src) {
  Quantized ref = make_output(src.rows, src.cols), fast = make_output(src.rows, src.cols);
  quantize_reference(src, ref.output());
  quantize(src, fast.output());
  expect_same(ref, fast);
  return ref;
}

class FastMatchesReference : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, double>> {};

TEST_P(FastMatchesReference, BitForBit) {
  const auto [rows, cols, sigma] = GetParam();
  const int64_t stride = cols + 5;
  const auto data = random_bf16(rows, stride, sigma, static_cast<uint32_t>(rows * 131 + cols));
  quantize_both({data.data(), rows, cols, stride});
}

INSTANTIATE_TEST_SUITE_P(Shapes, FastMatchesReference,
                         ::testing::Combine(::testing::Values(1, 127, 128, 300), ::testing::Values(1, 7, 129, 200, 256),
                                            // 1e-25 and 1e30: scales where the AVX2 kernel divides
                                            ::testing::Values(1e-25, 1e-6, 3e-3, 1.0, 1e4, 1e30)));

// Both strip kernels, whichever quantize() picks on this CPU.
TEST(BlockQuant, EveryKernelMatchesTheReference) {
  const int64_t rows = 200, cols = 2500, stride = 2600;  // partial blocks, several panels
  std::vector<uint16_t> data = random_bf16(rows, stride, 0.5, 3);
  data[17] = 0x7FC0;                // NaN
  data[stride + 3] = 0xFF80;        // -Inf
  data[2 * stride + 300] = 0x7F80;  // +Inf
  Quantized ref = make_output(rows, cols);
  quantize_reference({data.data(), rows, cols, stride}, ref.output());
  std::vector<detail::StripKernel> kernels{detail::quantize_strip_scalar};
  if (detail::have_avx2_kernel()) kernels.push_back(detail::quantize_strip_avx2);
  for (const auto kernel : kernels) {
    Quantized q = make_output(rows, cols);
    for (int64_t r0 = 0; r0 < rows; r0 += kBlock)
      kernel(data.data() + r0 * stride, stride, std::min(kBlock, rows - r0), cols, q.fp8.data() + r0 * q.fp8_stride, q.fp8_stride,
             q.scales.data() + (r0 / kBlock) * q.scale_stride);
    expect_same(ref, q);
  }
  if (detail::have_avx512_kernel()) {  // a whole-region kernel
    Quantized q = make_output(rows, cols);
    detail::quantize_avx512(data.data(), stride, rows, cols, q.fp8.data(), q.fp8_stride, q.scales.data(), q.scale_stride);
    expect_same(ref, q);
  }
}

// Large enough for the streaming stores (aligned rows), and the same with unaligned rows.
TEST(BlockQuant, LargeRegionsWithAndWithoutStreamingStores) {
  for (const int64_t cols : {int64_t{2048}, int64_t{2047}}) {
    const int64_t rows = 2100;
    auto data = random_bf16(rows, cols, 0.02, 11);
    data[5000] = 0x7FC0;  // one block with a NaN takes the long encoding
    quantize_both({data.data(), rows, cols, cols});
  }
}

TEST(BlockQuant, BlockScalesAreTheScalesQuantizeWrites) {
  const int64_t rows = 300, cols = 2600, stride = 2611;
  auto data = random_bf16(rows, stride, 3.0, 5);
  data[stride * 130 + 1000] = 0xFF80;  // -Inf: ignored by the amax
  const Quantized q = quantize_both({data.data(), rows, cols, stride});
  std::vector<float> scales(q.scales.size(), -1.0f);
  block_scales({data.data(), rows, cols, stride}, scales.data(), q.scale_stride);
  for (int64_t i = 0; i < scale_rows(rows); ++i)
    for (int64_t j = 0; j < scale_cols(cols); ++j) {
      const auto k = static_cast<size_t>(i * q.scale_stride + j);
      EXPECT_EQ(std::bit_cast<uint32_t>(scales[k]), std::bit_cast<uint32_t>(q.scales[k])) << "scale " << i << ", " << j;
    }
}

TEST(BlockQuant, SubBoxOfALargeTensor) {
  // A DeepSeek kv_a_proj_with_mqa-sized tensor [576, 7168]: quantize a block-aligned sub-box
  // (rows 128..447, cols 1024..3071) straight out of the full tensor.
  const int64_t rows = 576, cols = 7168;
  const auto data = random_bf16(rows, cols, 0.02, 7);
  const Bf16Region box{data.data() + 128 * cols + 1024, 320, 2048, cols};
  const Quantized q = quantize_both(box);
  // The last row of blocks is partial: 320 = 2 * 128 + 64.
  EXPECT_EQ(scale_rows(box.rows), 3);
  EXPECT_EQ(scale_cols(box.cols), 16);
  // Same bytes as quantizing a copy of the box on its own.
  std::vector<uint16_t> copy(320 * 2048);
  for (int64_t r = 0; r < 320; ++r)
    for (int64_t c = 0; c < 2048; ++c) copy[r * 2048 + c] = box.data[r * cols + c];
  Quantized alone = make_output(320, 2048);
  quantize({copy.data(), 320, 2048, 2048}, alone.output());
  expect_same(q, alone);
}

TEST(BlockQuant, EveryBf16BitPattern) {
  // 65536 patterns in 256x256 (NaN, Inf, subnormals included) and, transposed, in other blocks.
  std::vector<uint16_t> all(65536), transposed(65536);
  for (uint32_t i = 0; i < 65536; ++i) {
    all[i] = static_cast<uint16_t>(i);
    transposed[(i % 256) * 256 + i / 256] = static_cast<uint16_t>(i);
  }
  quantize_both({all.data(), 256, 256, 256});
  quantize_both({transposed.data(), 256, 256, 256});
}

TEST(BlockQuant, EveryAmaxMantissaAgainstEveryNearbyValue) {
  const auto data = testing::amax_mantissa_blocks();
  quantize_both({data.data(), kBlock * kBlock, kBlock, kBlock});
}

TEST(BlockQuant, EveryBinadeBelowAmaxAcrossScaleExponents) {
  // Each block has its own amax; each spreads its 16384 elements evenly over the bit patterns
  // from zero (bf16 subnormals included) to amax, with both signs, so that every binade below
  // amax meets the same scale. The first row of blocks has scales the AVX-512 table encoding
  // takes (2^-60 <= scale <= 2^60, so that the whole panel takes it), the second the others.
  const std::vector<std::vector<uint16_t>> amax_bits{
      {(77 << 7), (77 << 7) | 127, (100 << 7) | 64, (120 << 7) | 50, (127 << 7) | 99, (150 << 7) | 3, (190 << 7) | 1, (195 << 7)},
      {(16 << 7) | 5, (17 << 7), (40 << 7) | 3, (76 << 7), (196 << 7) | 7, (250 << 7) | 127, 1, 0}};
  const auto blocks = static_cast<int64_t>(amax_bits[1].size());
  const int64_t rows = 2 * kBlock, cols = blocks * kBlock;
  std::vector<uint16_t> data(static_cast<size_t>(rows * cols), 0);
  for (int64_t strip = 0; strip < 2; ++strip)
    for (int64_t b = 0; b < static_cast<int64_t>(amax_bits[static_cast<size_t>(strip)].size()); ++b)
      for (int64_t k = 0; k < kBlock * kBlock; ++k) {
        const int64_t amax = amax_bits[static_cast<size_t>(strip)][static_cast<size_t>(b)];
        const auto bits = static_cast<uint16_t>(k * amax / (kBlock * kBlock - 1));
        const int64_t r = strip * kBlock + k / kBlock, c = b * kBlock + k % kBlock;
        data[static_cast<size_t>(r * cols + c)] = static_cast<uint16_t>(bits | (k % 3 ? 0 : 0x8000));
      }
  quantize_both({data.data(), rows, cols, cols});
}

TEST(BlockQuant, RoundTripErrorWithinHalfAnE4m3Step) {
  for (double sigma : {1e-6, 1e-2, 1.0, 1e4}) {
    const int64_t rows = 300, cols = 200;
    const auto data = random_bf16(rows, cols, sigma, 11);
    Quantized q = make_output(rows, cols);
    quantize({data.data(), rows, cols, cols}, q.output());
    std::vector<float> back(rows * cols);
    dequantize(q.input(), rows, cols, back.data(), cols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        const double x = bf16_to_float(data[r * cols + c]);
        const double scale = q.scales[(r / 128) * q.scale_stride + c / 128];
        const double y = std::fabs(x) / scale;
        // Half the e4m3 spacing at |x / scale|: 2^-4 * 2^floor(log2 y) (3 mantissa bits) in the
        // normal range, 2^-10 below 2^-6; small slack for the two float roundings (x / s, q * s).
        const double half_step = y < 0x1p-6 ? 0x1p-10 : std::ldexp(1.0, std::ilogb(y) - 4);
        const double bound = half_step * scale * (1 + 0x1p-18) + std::fabs(x) * 0x1p-22;
        ASSERT_LE(std::fabs(x - back[r * cols + c]), bound) << sigma << " at " << r << "," << c;
      }
  }
}

TEST(BlockQuant, ScaleIsAmaxOver448AndAmaxMapsTo448) {
  std::vector<uint16_t> block(128 * 128, float_to_bf16(0.25f));
  block[77] = float_to_bf16(-3.0f);
  const Quantized q = quantize_both({block.data(), 128, 128, 128});
  EXPECT_EQ(q.scales[0], 3.0f / 448.0f);
  EXPECT_EQ(q.fp8[77], 0xFE);  // -448
}

TEST(BlockQuant, AllZeroBlockStoresScaleOne) {
  std::vector<uint16_t> data(128 * 256, 0);
  data[5] = 0x8000;                           // -0.0 in block 0
  data[128 * 256 - 1] = float_to_bf16(1.0f);  // block 1 is not zero
  const Quantized q = quantize_both({data.data(), 128, 256, 256});
  EXPECT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(q.fp8[0], 0x00);
  EXPECT_EQ(q.fp8[5], 0x80);  // sign of zero kept; dequantizes to -0.0
  EXPECT_EQ(q.scales[1], 1.0f / 448.0f);
}

TEST(BlockQuant, NaNAndInfDoNotPoisonTheBlock) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<uint16_t> block(4, 0);
  block[0] = float_to_bf16(1.0f);
  block[1] = float_to_bf16(std::numeric_limits<float>::quiet_NaN());
  block[2] = float_to_bf16(-inf);
  block[3] = float_to_bf16(2.0f);
  const Quantized q = quantize_both({block.data(), 1, 4, 4});
  EXPECT_EQ(q.scales[0], 2.0f / 448.0f);  // amax over finite values only
  EXPECT_EQ(q.fp8[0], float_to_e4m3(224.0f));
  EXPECT_EQ(q.fp8[1], kE4m3NaN);
  EXPECT_EQ(q.fp8[2], 0xFE);  // -Inf saturates to -448
  EXPECT_EQ(q.fp8[3], kE4m3MaxCode);
}

TEST(BlockQuant, BlockOfOnlyInfAndNaN) {
  const std::vector<uint16_t> block{0x7F80, 0xFFC0};  // +Inf, -NaN
  const Quantized q = quantize_both({block.data(), 1, 2, 2});
  EXPECT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(q.fp8[0], 0x7E);
  EXPECT_EQ(q.fp8[1], 0xFF);
}

TEST(BlockQuant, SubnormalAmaxGivesAFiniteNonzeroScale) {
  const std::vector<uint16_t> block{0x0001, 0x8003, 0x0000};  // bf16 subnormals, 2^-133 ...
  const Quantized q = quantize_both({block.data(), 1, 3, 3});
  EXPECT_GT(q.scales[0], 0.0f);
  EXPECT_TRUE(std::isfinite(q.scales[0]));
  EXPECT_EQ(q.fp8[1], 0xFE);
}

TEST(BlockQuant, EmptyRegionWritesNothing) {
  Quantized q = make_output(0, 0);
  quantize({nullptr, 0, 0, 0}, q.output());
  EXPECT_TRUE(q.scales.empty());
}

TEST(BlockQuant, MalformedRegionThrows) {
  std::vector<uint16_t> data(16);
  Quantized q = make_output(4, 4);
  EXPECT_THROW(quantize({data.data(), 4, 4, 3}, q.output()), SystemError);
}

}  // namespace
}  // namespace wxfer::quant
