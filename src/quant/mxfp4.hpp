// bf16 -> MXFP4 (OCP Microscaling, as gpt-oss stores its experts): each run of 32 values
// along a row shares one e8m0 scale 2^(e - 127); each value is an fp4 e2m1 code (sign,
// 2 exponent bits, 1 mantissa bit: 0, 0.5, 1, 1.5, 2, 3, 4, 6), two per byte, the earlier
// value in the low nibble. Policies: docs/quantization.md.
#pragma once

#include <cstdint>

namespace wxfer::quant::mxfp4 {

inline constexpr int64_t kBlock = 32;

// The shared exponent of a block whose largest |x| is `amax` (a finite float): the OCP rule
// floor(log2(amax)) - 2 (2 is e2m1's largest exponent), clamped to e8m0's [-127, 127]; 0 for
// an all-zero block. The scale byte is exponent + 127.
int32_t shared_exponent(float amax);

// One row of `cols` bf16 values (cols a multiple of 32): `codes` gets cols / 2 bytes and
// `scales` cols / 32 bytes; either may be null when not wanted. A block holding a NaN or an
// infinity gets scale byte 0xFF (e8m0's NaN) and zero codes.
void quantize_row(const uint16_t* bf16, int64_t cols, uint8_t* codes, uint8_t* scales);

// The same, written from the definitions in double precision: each value is the nearest of
// the eight e2m1 magnitudes times the scale (ties to the even code), saturating at 6. The
// receivers' check; independent of quantize_row's bit tricks.
void quantize_row_reference(const uint16_t* bf16, int64_t cols, uint8_t* codes, uint8_t* scales);

// code * 2^(scale - 127) for each of the row's cols values.
void dequantize_row(const uint8_t* codes, const uint8_t* scales, int64_t cols, float* out);

}  // namespace wxfer::quant::mxfp4
