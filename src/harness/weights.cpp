#include "harness/weights.hpp"

#include <cstring>

namespace wxfer {

void fill_weights(DType dtype, uint32_t tensor, uint64_t first, uint64_t count, uint32_t step, uint8_t* out) {
  if (dtype == DType::f32) {
    // float32 tensors carry the same values, widened exactly.
    for (uint64_t i = 0; i < count; ++i) {
      const uint32_t bits = uint32_t{weight_bf16_bits(tensor, first + i, step)} << 16;
      std::memcpy(out + 4 * i, &bits, 4);
    }
    return;
  }
  auto* dst = reinterpret_cast<uint16_t*>(out);
  for (uint64_t i = 0; i < count; ++i) dst[i] = weight_bf16_bits(tensor, first + i, step);
}

}  // namespace wxfer
