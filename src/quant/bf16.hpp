// bfloat16 as raw bits: conversions to and from float, the only arithmetic the sender needs.
#pragma once

#include <cstdint>
#include "quant/bit_cast.hpp"

namespace wxfer::quant {

// Every bf16 value is exactly a float with the low 16 bits zero.
inline float bf16_to_float(uint16_t bits) { return bits_float(static_cast<uint32_t>(bits) << 16); }

// Round-to-nearest-even, as torch's float -> bfloat16 cast; NaN stays NaN (quietened, sign kept).
inline uint16_t float_to_bf16(float value) {
  const uint32_t bits = float_bits(value);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  const uint32_t lsb = (bits >> 16) & 1u;
  return static_cast<uint16_t>((bits + 0x7FFFu + lsb) >> 16);
}

}  // namespace wxfer::quant
