// fp8 e4m3fn (OCP "FN" variant, torch.float8_e4m3fn): 1 sign, 4 exponent (bias 7), 3 mantissa
// bits; largest finite 448, no infinity, NaN = S.1111.111 (0x7F / 0xFF).
#pragma once

#include <cstdint>
#include "quant/bit_cast.hpp"

namespace wxfer::quant {

inline constexpr float kE4m3Max = 448.0f;
inline constexpr uint8_t kE4m3MaxCode = 0x7E;  // +448
inline constexpr uint8_t kE4m3NaN = 0x7F;

// float -> e4m3fn, round-to-nearest-even, saturating: |x| past 448 (Inf included) gives +-448,
// as CUDA's __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3). NaN -> 0x7F with x's sign bit.
// Branch-free so that the block kernel's loops vectorise around it.
inline uint8_t float_to_e4m3(float x) {
  const uint32_t bits = float_bits(x);
  const uint32_t sign = (bits >> 24) & 0x80u;
  const uint32_t mag = bits & 0x7FFFFFFFu;
  // Normal e4m3 range (|x| >= 2^-6): rebias the exponent (127 -> 7) and round the 23-bit
  // mantissa to 3 bits, ties to even; a carry into the exponent is the correct rounding.
  const uint32_t odd = (mag >> 20) & 1u;
  const uint32_t normal = (mag - (120u << 23) + 0x7FFFFu + odd) >> 20;
  // Subnormal range (|x| < 2^-6, spacing 2^-9): adding 2^14 makes the float's own RNE round
  // at 2^-9; the difference of the bit patterns is the count of 2^-9 steps (0..8).
  const float shifted = bits_float(mag) + 16384.0f;
  const uint32_t subnormal = float_bits(shifted) - 0x46800000u;
  uint32_t code = mag < 0x3C800000u ? subnormal : normal;
  code = code < kE4m3MaxCode ? code : kE4m3MaxCode;
  code = mag > 0x7F800000u ? kE4m3NaN : code;
  return static_cast<uint8_t>(code | sign);
}

// e4m3fn -> float, exact.
inline float e4m3_to_float(uint8_t code) {
  const uint32_t sign = static_cast<uint32_t>(code & 0x80u) << 24;
  const uint32_t exponent = (code >> 3) & 0xFu;
  const uint32_t mantissa = code & 0x7u;
  if ((code & 0x7Fu) == kE4m3NaN) return bits_float(sign | 0x7FC00000u);
  if (exponent == 0) {
    const float value = static_cast<float>(mantissa) * 0x1p-9f;
    return sign ? -value : value;
  }
  return bits_float(sign | ((exponent + 120u) << 23) | (mantissa << 20));
}

}  // namespace wxfer::quant
