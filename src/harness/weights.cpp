#include "harness/weights.hpp"

#include <cstring>

namespace wxfer {
namespace {

// Cloned for AVX2 (8 lanes of 32-bit multiplies) with a portable fallback picked at load.
[[gnu::target_clones("avx2", "default")]] void fill_bf16(uint32_t seed, uint64_t first, uint64_t count, uint16_t* out) {
  for (uint64_t i = 0; i < count; ++i) out[i] = weight_bf16_bits_seeded(seed, first + i);
}

[[gnu::target_clones("avx2", "default")]] void fill_f32(uint32_t seed, uint64_t first, uint64_t count, uint32_t* out) {
  // float32 tensors carry the same values, widened exactly.
  for (uint64_t i = 0; i < count; ++i) out[i] = uint32_t{weight_bf16_bits_seeded(seed, first + i)} << 16;
}

}  // namespace

void fill_weights(DType dtype, uint32_t tensor, uint64_t first, uint64_t count, uint32_t step, uint8_t* out) {
  const uint32_t seed = weight_seed(tensor, step);
  if (dtype == DType::f32) {
    fill_f32(seed, first, count, reinterpret_cast<uint32_t*>(out));
    return;
  }
  fill_bf16(seed, first, count, reinterpret_cast<uint16_t*>(out));
}

}  // namespace wxfer
