// The CUDA kernel against the float64 reference, bit for bit. Skips without a device.
#include <gtest/gtest.h>

#include <limits>

#include "quant/cuda/block_quant_cuda.hpp"
#include "quant_fixtures.hpp"

namespace wxfer::quant {
namespace {

using testing::make_output;
using testing::Quantized;
using testing::random_bf16;

class CudaQuant : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device (cudaGetDeviceCount reports none)";
  }
  static void expect_matches_reference(Bf16Region src) {
    Quantized ref = make_output(src.rows, src.cols), gpu = make_output(src.rows, src.cols);
    quantize_reference(src, ref.output());
    quantize_cuda(src, gpu.output());
    for (size_t i = 0; i < ref.fp8.size(); ++i) ASSERT_EQ(ref.fp8[i], gpu.fp8[i]) << "byte " << i;
    for (size_t i = 0; i < ref.scales.size(); ++i)
      ASSERT_EQ(std::bit_cast<uint32_t>(ref.scales[i]), std::bit_cast<uint32_t>(gpu.scales[i])) << "scale " << i;
  }
};

TEST_F(CudaQuant, RandomDataOfSeveralScalesAndShapes) {
  for (double sigma : {1e-25, 1e-6, 3e-3, 1.0, 1e4, 1e30})
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{1, 1}, {128, 129}, {300, 200}, {576, 1024}}) {
      const int64_t stride = cols + 7;
      const auto data = random_bf16(rows, stride, sigma, static_cast<uint32_t>(rows + cols));
      expect_matches_reference({data.data(), rows, cols, stride});
    }
}

TEST_F(CudaQuant, EveryBf16BitPattern) {
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < 65536; ++i) all[i] = static_cast<uint16_t>(i);
  expect_matches_reference({all.data(), 256, 256, 256});
}

TEST_F(CudaQuant, EveryAmaxMantissaAgainstEveryNearbyValue) {
  const auto data = testing::amax_mantissa_blocks();
  expect_matches_reference({data.data(), kBlock * kBlock, kBlock, kBlock});
}

TEST_F(CudaQuant, ZeroNaNAndInfBlocks) {
  std::vector<uint16_t> data(128 * 384, 0);  // block 0: all zero (with a -0)
  data[1] = 0x8000;
  data[128 + 1] = 0x7FC0;  // block 1: NaN, -Inf, finite values
  data[128 + 2] = 0xFF80;
  data[128 + 3] = float_to_bf16(2.0f);
  data[256 + 5] = 0xFFC1;  // block 2: only a -NaN
  expect_matches_reference({data.data(), 128, 384, 384});
}

}  // namespace
}  // namespace wxfer::quant
