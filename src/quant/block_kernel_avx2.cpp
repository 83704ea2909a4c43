// The AVX2 block kernel: the scalar kernel's exact operations, 8 or 16 lanes at a time
// (integer max for amax; float division, then the same integer RNE to e4m3). Compiled with a
// function-level target so that the rest of the binary stays baseline x86-64.
#include <algorithm>

#include "quant/bf16.hpp"
#include "quant/block_kernels.hpp"
#include "quant/block_quant.hpp"
#include "quant/fp8_e4m3.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define WXFER_AVX2 __attribute__((target("avx2,fma")))

namespace wxfer::quant::detail {
namespace {

constexpr int64_t kMaxBlocks = 16;  // blocks per pass: the accumulators stay small

// Largest finite |x| of each 128-column block of the strip, as bf16 bits; reads row by row so
// that memory is streamed. Non-negative finite floats order like their bit patterns.
WXFER_AVX2 void amax_bits(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint16_t* amax) {
  const int64_t blocks = (cols + kBlock - 1) / kBlock;
  const __m256i abs_mask = _mm256_set1_epi16(0x7FFF);
  const __m256i inf_bits = _mm256_set1_epi16(0x7F80);
  __m256i acc[kMaxBlocks];
  for (int64_t b = 0; b < blocks; ++b) {
    acc[b] = _mm256_setzero_si256();
    amax[b] = 0;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const uint16_t* row = src + r * stride;
    for (int64_t c = 0; c + 16 <= cols; c += 16) {
      const __m256i mag = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + c)), abs_mask);
      const __m256i finite = _mm256_cmpgt_epi16(inf_bits, mag);  // signed is fine: mag <= 0x7FFF
      acc[c / kBlock] = _mm256_max_epu16(acc[c / kBlock], _mm256_and_si256(mag, finite));
    }
    for (int64_t c = cols & ~int64_t{15}; c < cols; ++c) {
      const auto mag = static_cast<uint16_t>(row[c] & 0x7FFFu);
      if (mag < 0x7F80u && mag > amax[c / kBlock]) amax[c / kBlock] = mag;
    }
  }
  for (int64_t b = 0; b < blocks; ++b) {
    alignas(32) uint16_t lanes[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc[b]);
    for (uint16_t lane : lanes) amax[b] = lane > amax[b] ? lane : amax[b];
  }
}

// float_to_e4m3 (fp8_e4m3.hpp) on 8 lanes of |y| = |x| / scale, with x's sign bits given apart
// (0x80 or 0 per lane); returns the codes as 32-bit lanes. NaN is taken from x's magnitude
// bits: the FMA correction turns Inf / scale into NaN, which must saturate like Inf.
WXFER_AVX2 __m256i e4m3_codes(__m256 magnitude, __m256i x_magnitude, __m256i sign) {
  // The mask keeps a NaN's sign (which FMA may flip) out of the magnitude.
  const __m256i mag = _mm256_and_si256(_mm256_castps_si256(magnitude), _mm256_set1_epi32(0x7FFFFFFF));
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(mag, 20), _mm256_set1_epi32(1));
  const __m256i bias = _mm256_set1_epi32(static_cast<int>(0x7FFFFu - (120u << 23)));
  const __m256i normal = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(mag, bias), odd), 20);
  const __m256 shifted = _mm256_add_ps(_mm256_castsi256_ps(mag), _mm256_set1_ps(16384.0f));
  const __m256i subnormal = _mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x46800000));
  const __m256i is_subnormal = _mm256_cmpgt_epi32(_mm256_set1_epi32(0x3C800000), mag);
  __m256i code = _mm256_blendv_epi8(normal, subnormal, is_subnormal);
  code = _mm256_min_epu32(code, _mm256_set1_epi32(kE4m3MaxCode));
  const __m256i is_nan = _mm256_cmpgt_epi32(x_magnitude, _mm256_set1_epi32(0x7F800000));
  code = _mm256_blendv_epi8(code, _mm256_set1_epi32(kE4m3NaN), is_nan);
  return _mm256_or_si256(code, sign);
}

// x / scale, correctly rounded. Division is the kernel's bottleneck, so in the usual range of
// scales it is done as Markstein's correction of x * (1/scale): with inverse = RN(1/scale),
// q0 = RN(x * inverse), the residual x - q0 * scale is exact in an FMA, and RN(q0 + residual *
// inverse) is the correctly rounded quotient. Far from 1 the residual could underflow or the
// inverse overflow, so such blocks use the division instruction.
struct Divisor {
  __m256 scale;
  __m256 inverse;
  bool by_inverse;
};

WXFER_AVX2 Divisor make_divisor(float scale) {
  const bool by_inverse = scale >= 0x1p-60f && scale <= 0x1p60f;
  return {_mm256_set1_ps(scale), _mm256_set1_ps(1.0f / scale), by_inverse};
}

template <bool ByInverse>
WXFER_AVX2 __m256 divide(__m256 x, const Divisor& d) {
  if constexpr (ByInverse) {
    const __m256 q0 = _mm256_mul_ps(x, d.inverse);
    const __m256 residual = _mm256_fnmadd_ps(q0, d.scale, x);
    return _mm256_fmadd_ps(residual, d.inverse, q0);
  } else {
    return _mm256_div_ps(x, d.scale);
  }
}

template <bool ByInverse>
WXFER_AVX2 __m256i e4m3_of_8(const uint16_t* src, const Divisor& d) {
  // Divides |x| and takes the sign from x: the FMA correction would turn -0 into +0.
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
  const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(wide, 8), _mm256_set1_epi32(0x80));
  const __m256i magnitude = _mm256_slli_epi32(_mm256_and_si256(wide, _mm256_set1_epi32(0x7FFF)), 16);
  return e4m3_codes(divide<ByInverse>(_mm256_castsi256_ps(magnitude), d), magnitude, sign);
}

// 32 elements -> 32 fp8 bytes. The packs work per 128-bit lane, the permute restores order.
template <bool ByInverse>
WXFER_AVX2 void encode_32(const uint16_t* src, const Divisor& d, uint8_t* dst) {
  const __m256i ab = _mm256_packus_epi32(e4m3_of_8<ByInverse>(src, d), e4m3_of_8<ByInverse>(src + 8, d));
  const __m256i cd = _mm256_packus_epi32(e4m3_of_8<ByInverse>(src + 16, d), e4m3_of_8<ByInverse>(src + 24, d));
  const __m256i bytes = _mm256_packus_epi16(ab, cd);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_permutevar8x32_epi32(bytes, order));
}

}  // namespace

bool have_avx2_kernel() {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return avx2;
}

WXFER_AVX2 void quantize_strip_avx2(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst,
                                    int64_t dst_stride, float* scales) {
  for (int64_t p0 = 0; p0 < cols; p0 += kMaxBlocks * kBlock) {
    const int64_t width = std::min(cols - p0, kMaxBlocks * kBlock);
    const int64_t blocks = (width + kBlock - 1) / kBlock;
    uint16_t amax[kMaxBlocks];
    amax_bits(src + p0, stride, rows, width, amax);
    Divisor divisors[kMaxBlocks];
    for (int64_t b = 0; b < blocks; ++b) {
      scales[p0 / kBlock + b] = block_scale(bf16_to_float(amax[b]));
      divisors[b] = make_divisor(scales[p0 / kBlock + b]);
    }
    for (int64_t r = 0; r < rows; ++r) {
      const uint16_t* row = src + r * stride + p0;
      uint8_t* out = dst + r * dst_stride + p0;
      // A 32-column group never straddles two blocks: 128 is a multiple of 32.
      for (int64_t c = 0; c + 32 <= width; c += 32) {
        const Divisor& d = divisors[c / kBlock];
        if (d.by_inverse)
          encode_32<true>(row + c, d, out + c);
        else
          encode_32<false>(row + c, d, out + c);
      }
      for (int64_t c = width & ~int64_t{31}; c < width; ++c)
        out[c] = float_to_e4m3(bf16_to_float(row[c]) / scales[(p0 + c) / kBlock]);
    }
  }
}

WXFER_AVX2 void strip_scales_avx2(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, float* scales) {
  for (int64_t p0 = 0; p0 < cols; p0 += kMaxBlocks * kBlock) {
    const int64_t width = std::min(cols - p0, kMaxBlocks * kBlock);
    uint16_t amax[kMaxBlocks];
    amax_bits(src + p0, stride, rows, width, amax);
    for (int64_t b = 0; b < (width + kBlock - 1) / kBlock; ++b) scales[p0 / kBlock + b] = block_scale(bf16_to_float(amax[b]));
  }
}

}  // namespace wxfer::quant::detail

#else  // no AVX2 kernel in this build: quantize() uses the scalar one

namespace wxfer::quant::detail {
bool have_avx2_kernel() { return false; }
void quantize_strip_avx2(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst, int64_t dst_stride,
                         float* scales) {
  quantize_strip_scalar(src, stride, rows, cols, dst, dst_stride, scales);
}
void strip_scales_avx2(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, float* scales) {
  strip_scales_scalar(src, stride, rows, cols, scales);
}
}  // namespace wxfer::quant::detail

#endif
