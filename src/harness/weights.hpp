// Deterministic weight content: the value of element e of tensor t after training step s
// is a pure function of (t, e, s), so receivers verify every byte without a copy of the
// model, and bytes left over from step s fail the check at step s+1.
#pragma once

#include <cstdint>

#include "model/dtype.hpp"

namespace wxfer {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

// Finite bf16 values of both signs with magnitudes in [2^-10, 2^6): realistic for
// weights and never NaN/Inf.
inline uint16_t weight_bf16_bits(uint32_t tensor, uint64_t element, uint32_t step) {
  const uint64_t h = mix64(element * 0x9E3779B97F4A7C15ull ^ (uint64_t{tensor} << 32 | step));
  const auto mantissa = static_cast<uint16_t>(h & 0x7F);
  const auto sign = static_cast<uint16_t>(((h >> 7) & 1) << 15);
  const auto exponent = static_cast<uint16_t>(117 + ((h >> 8) & 15));
  return static_cast<uint16_t>(sign | exponent << 7 | mantissa);
}

// Writes elements [first, first + count) of a tensor row-run in its trainer dtype.
void fill_weights(DType dtype, uint32_t tensor, uint64_t first, uint64_t count, uint32_t step, uint8_t* out);

}  // namespace wxfer
