#include "harness/weights.hpp"

#include <algorithm>
#include <cstring>

#include "common/error.hpp"

namespace wxfer {
namespace {

// Cloned for AVX2 (8 lanes of 32-bit multiplies) with a portable fallback picked at load.
[[gnu::target_clones("avx2", "default")]] void fill_bf16(uint32_t seed, uint32_t exponent, uint64_t first, uint64_t count,
                                                         uint16_t* out) {
  for (uint64_t i = 0; i < count; ++i) out[i] = weight_bf16_bits_seeded(seed, first + i, exponent);
}

[[gnu::target_clones("avx2", "default")]] void fill_f32(uint32_t seed, uint32_t exponent, uint64_t first, uint64_t count,
                                                        uint32_t* out) {
  for (uint64_t i = 0; i < count; ++i) out[i] = uint32_t{weight_bf16_bits_seeded(seed, first + i, exponent)} << 16;
}

}  // namespace

uint16_t weight_bf16_bits(uint32_t tensor, int64_t cols, uint64_t element, uint32_t step) {
  const auto row = static_cast<int64_t>(element / static_cast<uint64_t>(cols));
  const auto col = static_cast<int64_t>(element % static_cast<uint64_t>(cols));
  return weight_bf16_bits_seeded(weight_seed(tensor, step), element,
                                 weight_block_exponent(tensor, row, col / kWeightBlock, step));
}

void fill_weights(DType dtype, uint32_t tensor, int64_t cols, uint64_t first, uint64_t count, uint32_t step, uint8_t* out) {
  WXFER_ASSERT(cols > 0);
  const uint32_t seed = weight_seed(tensor, step);
  const size_t elem = dtype == DType::f32 ? 4 : 2;
  const auto width = static_cast<uint64_t>(cols);
  // Runs of one block's columns within one row share their exponent.
  for (uint64_t done = 0; done < count;) {
    const uint64_t e = first + done;
    const auto row = static_cast<int64_t>(e / width);
    const auto col = static_cast<int64_t>(e % width);
    const uint64_t block_end = std::min<uint64_t>(static_cast<uint64_t>((col / kWeightBlock + 1) * kWeightBlock), width);
    const uint64_t n = std::min(count - done, block_end - static_cast<uint64_t>(col));
    const uint32_t exponent = weight_block_exponent(tensor, row, col / kWeightBlock, step);
    if (elem == 4)
      fill_f32(seed, exponent, e, n, reinterpret_cast<uint32_t*>(out + done * elem));
    else
      fill_bf16(seed, exponent, e, n, reinterpret_cast<uint16_t*>(out + done * elem));
    done += n;
  }
}

}  // namespace wxfer
