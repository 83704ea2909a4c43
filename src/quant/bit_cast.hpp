// float <-> uint32 reinterpretation through memcpy: GCC 12's vectoriser gives up on loops
// that contain std::bit_cast ("unsupported data-type"), but handles the memcpy idiom.
#pragma once

#include <cstdint>
#include <cstring>

namespace wxfer::quant {

inline uint32_t float_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

inline float bits_float(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace wxfer::quant
