#include "quant/mxfp4.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "quant/bf16.hpp"

namespace wxfer::quant::mxfp4 {
namespace {

constexpr double kMagnitudes[8] = {0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0};
constexpr uint8_t kNanScale = 0xFF;
constexpr int32_t kE2m1MaxExponent = 2;

void check_cols(int64_t cols) {
  if (cols < 0 || cols % kBlock != 0)
    throw_system_error("mxfp4::quantize_row", "a row of " + std::to_string(cols) + " values is not whole 32-value blocks");
}

// Magnitude code of |q| (q already divided by the block scale, |q| < 8): round to nearest,
// ties to the even code, saturating at 6. The thresholds are the midpoints between
// neighbouring magnitudes; at a midpoint the even code wins.
uint8_t magnitude_code(float q) {
  if (q <= 0.25f) return 0;
  if (q < 0.75f) return 1;
  if (q <= 1.25f) return 2;
  if (q < 1.75f) return 3;
  if (q <= 2.5f) return 4;
  if (q < 3.5f) return 5;
  if (q <= 5.0f) return 6;
  return 7;
}

}  // namespace

int32_t shared_exponent(float amax) {
  if (amax == 0.0f) return 0;
  int exponent = 0;
  std::frexp(amax, &exponent);  // amax = m * 2^exponent, m in [0.5, 1)
  return std::clamp(exponent - 1 - kE2m1MaxExponent, -127, 127);
}

void quantize_row(const uint16_t* bf16, int64_t cols, uint8_t* codes, uint8_t* scales) {
  check_cols(cols);
  for (int64_t b = 0; b < cols / kBlock; ++b) {
    const uint16_t* x = bf16 + b * kBlock;
    uint16_t largest = 0;  // of the magnitude bits: bf16 orders like its bit patterns
    for (int64_t i = 0; i < kBlock; ++i) largest = std::max<uint16_t>(largest, x[i] & 0x7FFF);
    uint8_t* out = codes != nullptr ? codes + b * kBlock / 2 : nullptr;
    if (largest >= 0x7F80) {  // Inf or NaN
      if (scales != nullptr) scales[b] = kNanScale;
      if (out != nullptr) std::fill(out, out + kBlock / 2, uint8_t{0});
      continue;
    }
    const int32_t e = shared_exponent(bf16_to_float(largest));
    if (scales != nullptr) scales[b] = static_cast<uint8_t>(e + 127);
    if (out == nullptr) continue;
    for (int64_t i = 0; i < kBlock; i += 2) {
      uint8_t pair = 0;
      for (int64_t k = 0; k < 2; ++k) {
        const uint16_t v = x[i + k];
        // Dividing by a power of two is exact unless the quotient is subnormal, which an
        // e2m1 code rounds to zero either way.
        const float q = std::ldexp(bf16_to_float(v & 0x7FFF), -e);
        const auto code = static_cast<uint8_t>(((v >> 15) << 3) | magnitude_code(q));
        pair |= static_cast<uint8_t>(code << (4 * k));
      }
      out[i / 2] = pair;
    }
  }
}

void quantize_row_reference(const uint16_t* bf16, int64_t cols, uint8_t* codes, uint8_t* scales) {
  check_cols(cols);
  for (int64_t b = 0; b < cols / kBlock; ++b) {
    double amax = 0.0;
    bool finite = true;
    for (int64_t i = 0; i < kBlock; ++i) {
      const double v = bf16_to_float(bf16[b * kBlock + i]);
      finite = finite && std::isfinite(v);
      if (std::isfinite(v)) amax = std::max(amax, std::fabs(v));
    }
    if (!finite) {
      if (scales != nullptr) scales[b] = kNanScale;
      if (codes != nullptr) std::fill(codes + b * kBlock / 2, codes + (b + 1) * kBlock / 2, uint8_t{0});
      continue;
    }
    // floor(log2(amax)) by search, not by frexp: the largest k with 2^k <= amax.
    int32_t e = 0;
    if (amax > 0.0) {
      int32_t k = -200;
      while (std::ldexp(1.0, k + 1) <= amax) ++k;
      e = std::clamp(k - kE2m1MaxExponent, -127, 127);
    }
    if (scales != nullptr) scales[b] = static_cast<uint8_t>(e + 127);
    if (codes == nullptr) continue;
    const double scale = std::ldexp(1.0, e);
    for (int64_t i = 0; i < kBlock; ++i) {
      const uint16_t bits = bf16[b * kBlock + i];
      const double q = std::fabs(static_cast<double>(bf16_to_float(bits))) / scale;
      uint8_t best = 0;
      for (uint8_t m = 1; m < 8; ++m) {
        const double d = std::fabs(q - kMagnitudes[m]), best_d = std::fabs(q - kMagnitudes[best]);
        if (d < best_d || (d == best_d && m % 2 == 0)) best = m;
      }
      const auto code = static_cast<uint8_t>(((bits >> 15) << 3) | best);
      uint8_t& byte = codes[(b * kBlock + i) / 2];
      byte = i % 2 == 0 ? static_cast<uint8_t>((byte & 0xF0) | code) : static_cast<uint8_t>((byte & 0x0F) | (code << 4));
    }
  }
}

void dequantize_row(const uint8_t* codes, const uint8_t* scales, int64_t cols, float* out) {
  check_cols(cols);
  for (int64_t i = 0; i < cols; ++i) {
    const uint8_t code = (codes[i / 2] >> (4 * (i % 2))) & 0x0F;
    const uint8_t scale = scales[i / kBlock];
    const double magnitude = kMagnitudes[code & 7] * std::ldexp(1.0, scale - 127);
    out[i] = scale == kNanScale ? NAN : static_cast<float>((code & 8) != 0 ? -magnitude : magnitude);
  }
}

}  // namespace wxfer::quant::mxfp4
