// Random bf16 matrices and quantize-by-both-kernels helpers for the quant tests.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "quant/bf16.hpp"
#include "quant/block_quant.hpp"

namespace wxfer::quant::testing {

// rows x cols (row stride `stride`) of normal(0, sigma) values rounded to bf16.
inline std::vector<uint16_t> random_bf16(int64_t rows, int64_t stride, double sigma, uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> dist(0.0, sigma);
  std::vector<uint16_t> v(static_cast<size_t>(rows * stride));
  for (auto& x : v) x = float_to_bf16(static_cast<float>(dist(gen)));
  return v;
}

// A [128 * 128, 128] tensor whose block i holds amax = (1 + i/128) * 2^3 and every bf16
// value of the 21 binades below it (both signs), so that each quotient x / scale that can
// land on or near an e4m3 rounding tie is exercised; the rest of each block is zero.
inline std::vector<uint16_t> amax_mantissa_blocks() {
  const int64_t blocks = kBlock;
  std::vector<uint16_t> data(static_cast<size_t>(blocks * kBlock * kBlock), 0);
  for (int64_t i = 0; i < blocks; ++i) {
    uint16_t* block = data.data() + i * kBlock * kBlock;
    const auto amax = static_cast<uint16_t>(((127 + 3) << 7) | i);
    block[0] = amax;
    int64_t k = 1;
    for (uint16_t x = static_cast<uint16_t>(amax - 21 * 128); x < amax; ++x, ++k)
      block[k] = static_cast<uint16_t>(x | (k % 2 ? 0x8000 : 0));
  }
  return data;
}

struct Quantized {
  std::vector<uint8_t> fp8;
  std::vector<float> scales;
  int64_t fp8_stride = 0;
  int64_t scale_stride = 0;
  Fp8Output output() { return {fp8.data(), fp8_stride, scales.data(), scale_stride}; }
  Fp8Input input() const { return {fp8.data(), fp8_stride, scales.data(), scale_stride}; }
};

// Output buffers with strides wider than needed, to catch writes past a row.
inline Quantized make_output(int64_t rows, int64_t cols) {
  Quantized q;
  q.fp8_stride = cols + 3;
  q.scale_stride = scale_cols(cols) + 1;
  q.fp8.assign(static_cast<size_t>(rows * q.fp8_stride), 0xAA);
  q.scales.assign(static_cast<size_t>(scale_rows(rows) * q.scale_stride), -7.0f);
  return q;
}

}  // namespace wxfer::quant::testing
