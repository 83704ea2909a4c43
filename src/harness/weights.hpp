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

// One seed per (tensor, step); elements are then hashed with 32-bit arithmetic that
// vectorises, because filling and verifying ~1 GB per step must stay cheap next to the
// update being measured. Its lowest bit is the step's parity (see weight_bf16_bits_seeded).
inline uint32_t weight_seed(uint32_t tensor, uint32_t step) {
  return (static_cast<uint32_t>(mix64(uint64_t{tensor} << 32 | step)) & ~1u) | (step & 1u);
}

// murmur3's finaliser: a bijection on 32 bits, so distinct elements of a tensor (below
// 2^32) never share a hash within one step.
inline uint32_t fmix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  return x;
}

// Finite bf16 values of both signs with magnitudes in [2^-10, 2^6) on even steps and twice
// that on odd ones: realistic for weights and never NaN/Inf. The factor makes every fp8 block
// scale (amax / 448) of step s+1 differ from step s's, so stale scales are caught too: a
// 128x128 block's amax is otherwise almost always the largest value the hash can give.
inline uint16_t weight_bf16_bits_seeded(uint32_t seed, uint64_t element) {
  const uint32_t h = fmix32(static_cast<uint32_t>(element) ^ seed ^ static_cast<uint32_t>(element >> 32) * 0x9E3779B1u);
  const auto mantissa = static_cast<uint16_t>(h & 0x7F);
  const auto sign = static_cast<uint16_t>(((h >> 7) & 1) << 15);
  const auto exponent = static_cast<uint16_t>(117 + (seed & 1u) + ((h >> 8) & 15));
  return static_cast<uint16_t>(sign | exponent << 7 | mantissa);
}

inline uint16_t weight_bf16_bits(uint32_t tensor, uint64_t element, uint32_t step) {
  return weight_bf16_bits_seeded(weight_seed(tensor, step), element);
}

// Writes elements [first, first + count) of a tensor row-run in its trainer dtype.
void fill_weights(DType dtype, uint32_t tensor, uint64_t first, uint64_t count, uint32_t step, uint8_t* out);

}  // namespace wxfer
