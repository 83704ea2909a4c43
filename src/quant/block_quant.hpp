// bf16 -> fp8 e4m3fn block quantization in the FP8 checkpoint layout (DeepSeek-V3, Kimi-K2):
// each 128x128 block (partial at the edges) gets one float32 `weight_scale_inv`, and
// dequantized = fp8 * scale. Policies (zero blocks, NaN, Inf, saturation): docs/quantization.md.
#pragma once

#include <cstdint>

namespace wxfer::quant {

inline constexpr int64_t kBlock = 128;

// A row-major bf16 region of a larger tensor: element (r, c) is data[r * stride + c].
struct Bf16Region {
  const uint16_t* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t stride = 0;  // elements between row starts, >= cols
};

// Where the quantized region goes: fp8 bytes with the source's shape, and the scale grid
// [scale_rows(rows), scale_cols(cols)]; each has its own row stride (elements).
struct Fp8Output {
  uint8_t* fp8 = nullptr;
  int64_t fp8_stride = 0;
  float* scales = nullptr;
  int64_t scale_stride = 0;
};

struct Fp8Input {
  const uint8_t* fp8 = nullptr;
  int64_t fp8_stride = 0;
  const float* scales = nullptr;
  int64_t scale_stride = 0;
};

inline int64_t scale_rows(int64_t rows) { return (rows + kBlock - 1) / kBlock; }
inline int64_t scale_cols(int64_t cols) { return (cols + kBlock - 1) / kBlock; }

// The block scale for a block whose largest finite |x| is `amax` (exact for bf16 inputs):
// amax / 448 in float, or 1 for a block with no nonzero finite value.
float block_scale(float amax);

// Scalar float64 reference of one block (rows, cols <= 128): returns its scale and writes its
// fp8 bytes. Written from the definitions, independent of the fast kernel's bit tricks.
float quantize_block_reference(Bf16Region block, uint8_t* fp8, int64_t fp8_stride);

// Every block of `src` with the reference; block (i, j) covers rows [128i, 128i+128) and
// cols [128j, 128j+128) of the region. Throws SystemError on a malformed region.
void quantize_reference(Bf16Region src, Fp8Output out);

// The fast CPU kernel: bit-identical to quantize_reference on every input.
void quantize(Bf16Region src, Fp8Output out);

// fp8 * scale per element into a row-major float region (rows, cols, out_stride).
void dequantize(Fp8Input in, int64_t rows, int64_t cols, float* out, int64_t out_stride);

}  // namespace wxfer::quant
