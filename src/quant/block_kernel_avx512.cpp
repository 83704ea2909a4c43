// The AVX-512 kernel: a whole region in panels of 128 rows x 2048 columns. The amax pass of
// panel k+1 runs row by row interleaved with the encoding of panel k, so that its loads from
// memory overlap arithmetic instead of stalling it; the encoding itself reads panel k from
// cache. Blocks without NaN or Inf take a shorter encoding (encode_16_finite), or a table
// lookup where the CPU has AVX-512 VBMI (BlockTable). Function-level
// target, picked at run time.
#include <algorithm>
#include <vector>

#include "common/error.hpp"
#include "quant/bf16.hpp"
#include "quant/block_kernels.hpp"
#include "quant/block_quant.hpp"
#include "quant/fp8_e4m3.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*(), which -Wmaybe-uninitialized
// reports inside the system header once inlined here (a false positive, GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#define WXFER_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))
#define WXFER_AVX512_VBMI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,fma")))

namespace wxfer::quant::detail {
namespace {

struct Divisor {
  __m512 scale;
  __m512 inverse;
  bool by_inverse;
  bool finite;  // no NaN or Inf in the block: the short encoding applies
};

WXFER_AVX512 Divisor make_divisor(float scale, bool finite) {
  // Markstein's correction of x * (1/scale) is exact only away from the exponent extremes.
  const bool by_inverse = scale >= 0x1p-60f && scale <= 0x1p60f;
  return {_mm512_set1_ps(scale), _mm512_set1_ps(1.0f / scale), by_inverse, finite};
}

// x / scale, correctly rounded: Markstein's correction of x * (1/scale) (block_kernel_avx2.cpp).
template <bool ByInverse>
WXFER_AVX512 __m512 divide(__m512 x, const Divisor& d) {
  if constexpr (ByInverse) {
    const __m512 q0 = _mm512_mul_ps(x, d.inverse);
    return _mm512_fmadd_ps(_mm512_fnmadd_ps(q0, d.scale, x), d.inverse, q0);
  } else {
    return _mm512_div_ps(x, d.scale);
  }
}

// The encoding for blocks of finite values, where y = |x| / scale lies in [0, 448]: one float
// addition rounds y to e4m3's precision. With E = max(exponent of y, -6), adding 2^(E+20)
// leaves 2^(E-3) as the unit in the last place, which is e4m3's spacing in both its normal
// binade E and its subnormal range (E = -6: spacing 2^-9); the hardware rounds to nearest
// even. The sum minus 2^(E+20) counts those units: 8 + mantissa for a normal y (a carry
// into the next binade included), the subnormal code below 2^-6; adding (E + 6) * 8 makes it
// the e4m3 code. Same results as float_to_e4m3, checked exhaustively by tests/quant.
template <bool ByInverse>
WXFER_AVX512 __m512i codes_16_finite_wide(__m512i wide, const Divisor& d) {
  const __m512 x = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_and_si512(wide, _mm512_set1_epi32(0x7FFF)), 16));
  const __m512 y = divide<ByInverse>(x, d);
  const __m512i min_exponent = _mm512_set1_epi32(0x3C800000);  // 2^-6
  const __m512i exponent =
      _mm512_max_epu32(_mm512_and_si512(_mm512_castps_si512(y), _mm512_set1_epi32(0x7F800000)), min_exponent);
  const __m512i magic = _mm512_add_epi32(exponent, _mm512_set1_epi32(20 << 23));
  const __m512i units = _mm512_sub_epi32(_mm512_castps_si512(_mm512_add_ps(y, _mm512_castsi512_ps(magic))), magic);
  __m512i code = _mm512_add_epi32(units, _mm512_srli_epi32(_mm512_sub_epi32(exponent, min_exponent), 20));
  code = _mm512_min_epu32(code, _mm512_set1_epi32(kE4m3MaxCode));
  // code | (sign of x) >> 8, in one ternary-logic instruction.
  return _mm512_ternarylogic_epi32(code, _mm512_srli_epi32(wide, 8), _mm512_set1_epi32(0x80), 0xF8);
}

template <bool ByInverse>
WXFER_AVX512 __m128i codes_16_finite(const uint16_t* src, const Divisor& d) {
  const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
  return _mm512_cvtepi32_epi8(codes_16_finite_wide<ByInverse>(wide, d));
}

template <bool ByInverse, bool Stream>
WXFER_AVX512 void encode_16_finite(const uint16_t* src, const Divisor& d, uint8_t* dst) {
  if constexpr (Stream)  // past the caches: the fp8 bytes are not read back here
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst), codes_16_finite<ByInverse>(src, d));
  else
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), codes_16_finite<ByInverse>(src, d));
}

WXFER_AVX512 __m512i codes_64_finite(const uint16_t* src, const Divisor& d) {
  __m512i line = _mm512_castsi128_si512(codes_16_finite<true>(src, d));
  line = _mm512_inserti32x4(line, codes_16_finite<true>(src + 16, d), 1);
  line = _mm512_inserti32x4(line, codes_16_finite<true>(src + 32, d), 2);
  return _mm512_inserti32x4(line, codes_16_finite<true>(src + 48, d), 3);
}

template <bool Stream>
WXFER_AVX512 void store_line(uint8_t* dst, __m512i line) {
  if constexpr (Stream)  // a whole line per streaming store
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dst), line);
  else
    _mm512_storeu_si512(dst, line);
}

// 64 elements of one block, one cache line of fp8.
template <bool Stream>
WXFER_AVX512 void encode_64_finite(const uint16_t* src, const Divisor& d, uint8_t* dst) {
  store_line<Stream>(dst, codes_64_finite(src, d));
}

// The encoding as a table lookup (AVX-512 VBMI), for finite blocks divided by the inverse.
// With x = 2^e * (1 + m/128) (bf16: exponent field e, 7-bit mantissa m) and y = x / scale
// rounded to float, y's e4m3 code is code(e_ref, m) + 8 * (e - e_ref) whenever y is an e4m3
// normal: scaling x by 2^k scales the float quotient exactly, and moves it k binades up the
// e4m3 grid. So 128 quotients per block, computed exactly at a reference exponent, encode
// every element: code = (|x| >> 4) + table[m] + base, where |x| >> 4 = 8e + (m >> 4) and the
// table (bytes 1..16) absorbs the rest. Elements whose code comes out below 9 (an e4m3
// subnormal or zero quotient, or a zero or subnormal x) take encode_16's exact arithmetic.
struct BlockTable {
  __m512i low, high;  // table[m], m < 64 and m >= 64
  __m512i base;       // 16-bit lanes
};

// False where the table does not apply: e_ref = e(amax) - 2 puts the reference quotients at
// 56..224 (normal, unsaturated), and e_ref >= 15 makes a zero or subnormal x (e = 0) come
// out below 9 (code(e_ref, m) <= 119 < 8 * 15 + 9).
WXFER_AVX512 bool make_table(uint16_t amax, const Divisor& d, BlockTable& table) {
  const int e_ref = (amax >> 7) - 2;
  if (e_ref < 15 || !d.finite || !d.by_inverse) return false;
  alignas(64) uint8_t code[128];
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int i = 0; i < 8; ++i) {
    const __m512i wide = _mm512_add_epi32(_mm512_set1_epi32((e_ref << 7) + 16 * i), iota);
    _mm_store_si128(reinterpret_cast<__m128i*>(code + 16 * i), _mm512_cvtepi32_epi8(codes_16_finite_wide<true>(wide, d)));
  }
  alignas(64) uint8_t entries[128];
  for (int m = 0; m < 128; ++m) entries[m] = static_cast<uint8_t>(code[m] - (m >> 4) - code[0] + 8);
  table.low = _mm512_load_si512(entries);
  table.high = _mm512_load_si512(entries + 64);
  table.base = _mm512_set1_epi16(static_cast<int16_t>(code[0] - 8 - 8 * e_ref));
  return true;
}

// 32 bf16 -> 32 fp8 codes; `slow` marks the lanes the table does not encode.
WXFER_AVX512_VBMI __m256i codes_32_table(__m512i bits, const BlockTable& t, __mmask32& slow) {
  const __m512i mag = _mm512_and_si512(bits, _mm512_set1_epi16(0x7FFF));
  // The low byte of each lane indexes the table by its 7 mantissa bits; the high byte is zeroed.
  const __m512i entry = _mm512_maskz_permutex2var_epi8(0x5555555555555555ull, t.low, mag, t.high);
  __m512i code = _mm512_add_epi16(_mm512_add_epi16(_mm512_srli_epi16(mag, 4), entry), t.base);
  slow = _mm512_cmplt_epi16_mask(code, _mm512_set1_epi16(9));
  code = _mm512_min_epi16(code, _mm512_set1_epi16(kE4m3MaxCode));
  code = _mm512_ternarylogic_epi32(code, _mm512_srli_epi16(bits, 8), _mm512_set1_epi16(0x80), 0xF8);
  return _mm512_cvtepi16_epi8(code);
}

// One row of a panel whose blocks all have tables.
template <bool Stream>
WXFER_AVX512_VBMI void encode_row_table(const uint16_t* row, int64_t width, const BlockTable* tables, const Divisor* divisors,
                                        uint8_t* out) {
  int64_t c = 0;
  for (; c + 64 <= width; c += 64) {  // 64 columns never straddle two blocks
    const BlockTable& t = tables[c / kBlock];
    __mmask32 slow_low, slow_high;
    const __m256i low = codes_32_table(_mm512_loadu_si512(row + c), t, slow_low);
    const __m256i high = codes_32_table(_mm512_loadu_si512(row + c + 32), t, slow_high);
    __m512i line = _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
    if (_kortestz_mask32_u8(slow_low, slow_high) == 0) [[unlikely]]
      line = codes_64_finite(row + c, divisors[c / kBlock]);
    store_line<Stream>(out + c, line);
  }
  for (; c + 16 <= width; c += 16) encode_16_finite<true, Stream>(row + c, divisors[c / kBlock], out + c);
}

// 16 bf16 -> 16 fp8 bytes; float_to_e4m3 (fp8_e4m3.hpp) lane by lane.
template <bool ByInverse>
WXFER_AVX512 void encode_16(const uint16_t* src, const Divisor& d, uint8_t* dst) {
  const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
  const __m512i sign = _mm512_and_si512(_mm512_srli_epi32(wide, 8), _mm512_set1_epi32(0x80));
  const __m512i x_mag = _mm512_slli_epi32(_mm512_and_si512(wide, _mm512_set1_epi32(0x7FFF)), 16);
  const __m512 x = _mm512_castsi512_ps(x_mag);
  const __m512 y = divide<ByInverse>(x, d);
  const __m512i mag = _mm512_and_si512(_mm512_castps_si512(y), _mm512_set1_epi32(0x7FFFFFFF));
  const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(mag, 20), _mm512_set1_epi32(1));
  const __m512i bias = _mm512_set1_epi32(static_cast<int>(0x7FFFFu - (120u << 23)));
  const __m512i normal = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(mag, bias), odd), 20);
  const __m512 shifted = _mm512_add_ps(_mm512_castsi512_ps(mag), _mm512_set1_ps(16384.0f));
  const __m512i subnormal = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x46800000));
  const __mmask16 is_subnormal = _mm512_cmplt_epu32_mask(mag, _mm512_set1_epi32(0x3C800000));
  __m512i code = _mm512_mask_mov_epi32(normal, is_subnormal, subnormal);
  code = _mm512_min_epu32(code, _mm512_set1_epi32(kE4m3MaxCode));
  // NaN from x's bits: the FMA correction turns Inf / scale into NaN, which must saturate.
  const __mmask16 is_nan = _mm512_cmpgt_epu32_mask(x_mag, _mm512_set1_epi32(0x7F800000));
  code = _mm512_mask_mov_epi32(code, is_nan, _mm512_set1_epi32(kE4m3NaN));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_cvtepi32_epi8(_mm512_or_si512(code, sign)));
}

// The amax pass one row at a time, so that it can run interleaved with the encoding of the
// previous panel: its loads from memory then overlap that panel's arithmetic. It tracks the
// largest |x| of any kind (one max per 32 elements); a block where that is NaN or Inf is
// rare, and finish() scans it again for its largest finite |x|.
class RowAmax {
 public:
  static constexpr int64_t kBlocks = 16;  // 2048 columns (4 KiB rows): 16 accumulators stay in registers

  WXFER_AVX512 explicit RowAmax(int64_t width) : width_(width) {
    for (int64_t b = 0; b < kBlocks; ++b) any_[b] = _mm512_setzero_si512();
    for (int64_t b = 0; b < kBlocks; ++b) tail_raw_[b] = 0;
  }
  WXFER_AVX512 void add(const uint16_t* row) {
    const __m512i abs_mask = _mm512_set1_epi16(0x7FFF);
    int64_t c = 0;
    for (; c + 32 <= width_; c += 32)
      any_[c / kBlock] = _mm512_max_epu16(any_[c / kBlock], _mm512_and_si512(_mm512_loadu_si512(row + c), abs_mask));
    for (; c < width_; ++c) {
      const auto mag = static_cast<uint16_t>(row[c] & 0x7FFFu);
      if (mag > tail_raw_[c / kBlock]) tail_raw_[c / kBlock] = mag;
    }
  }
  // Per block of the panel (rows x width at `panel`, the rows given to add()): the largest
  // finite |x| and the largest |x| of any kind, as bf16 bits.
  WXFER_AVX512 void finish(const uint16_t* panel, int64_t stride, int64_t rows, uint16_t* amax, uint16_t* raw) const {
    for (int64_t b = 0; b < (width_ + kBlock - 1) / kBlock; ++b) {
      raw[b] =
          std::max(tail_raw_[b], static_cast<uint16_t>(_mm512_reduce_max_epu32(_mm512_max_epu32(
                                     _mm512_srli_epi32(any_[b], 16), _mm512_and_si512(any_[b], _mm512_set1_epi32(0xFFFF))))));
      amax[b] = raw[b];
      if (raw[b] < 0x7F80u) continue;
      amax[b] = 0;
      const int64_t from = b * kBlock, to = std::min(width_, from + kBlock);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = from; c < to; ++c) {
          const auto mag = static_cast<uint16_t>(panel[r * stride + c] & 0x7FFFu);
          if (mag < 0x7F80u && mag > amax[b]) amax[b] = mag;
        }
    }
  }

 private:
  int64_t width_;
  __m512i any_[kBlocks];
  uint16_t tail_raw_[kBlocks];
};

template <bool Finite, bool ByInverse, bool Stream>
WXFER_AVX512 void encode_row(const uint16_t* row, int64_t from, int64_t to, const Divisor& d, uint8_t* out) {
  for (int64_t c = from; c < to; c += 16) {
    if constexpr (Finite)
      encode_16_finite<ByInverse, Stream>(row + c, d, out + c);
    else
      encode_16<ByInverse>(row + c, d, out + c);
  }
}

bool have_vbmi() {
  static const bool vbmi = __builtin_cpu_supports("avx512vbmi");
  return vbmi;
}

template <bool Stream>
WXFER_AVX512 void quantize_panels(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst,
                                  int64_t dst_stride, float* scales, int64_t scale_stride) {
  constexpr int64_t kPanel = RowAmax::kBlocks * kBlock;
  constexpr int64_t kPrefetchRows = 8;
  struct Panel {
    int64_t r0, c0, rows, width;
  };
  std::vector<Panel> panels;
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock)
    for (int64_t c0 = 0; c0 < cols; c0 += kPanel)
      panels.push_back({r0, c0, std::min(kBlock, rows - r0), std::min(kPanel, cols - c0)});
  if (panels.empty()) return;
  uint16_t amax[RowAmax::kBlocks], raw[RowAmax::kBlocks];
  {
    RowAmax first(panels[0].width);
    for (int64_t r = 0; r < panels[0].rows; ++r) first.add(src + r * stride);
    first.finish(src, stride, panels[0].rows, amax, raw);
  }
  for (size_t i = 0; i < panels.size(); ++i) {
    const Panel& p = panels[i];
    const int64_t blocks = (p.width + kBlock - 1) / kBlock;
    Divisor divisors[RowAmax::kBlocks];
    float* panel_scales = scales + (p.r0 / kBlock) * scale_stride + p.c0 / kBlock;
    for (int64_t b = 0; b < blocks; ++b) {
      panel_scales[b] = block_scale(bf16_to_float(amax[b]));
      divisors[b] = make_divisor(panel_scales[b], raw[b] < 0x7F80u);
    }
    bool usual = true;  // every block finite and divided by its inverse
    for (int64_t b = 0; b < blocks; ++b) usual = usual && divisors[b].finite && divisors[b].by_inverse;
    BlockTable tables[RowAmax::kBlocks];
    bool tabled = usual && have_vbmi();
    for (int64_t b = 0; b < blocks && tabled; ++b) tabled = make_table(amax[b], divisors[b], tables[b]);
    const Panel* next = i + 1 < panels.size() ? &panels[i + 1] : nullptr;
    RowAmax ahead(next != nullptr ? next->width : 0);
    for (int64_t r = 0; r < p.rows; ++r) {
      const uint16_t* row = src + (p.r0 + r) * stride + p.c0;
      uint8_t* out = dst + (p.r0 + r) * dst_stride + p.c0;
      if (tabled) {
        encode_row_table<Stream>(row, p.width, tables, divisors, out);
      } else if (usual) {  // one loop over the row: no per-block dispatch
        int64_t c = 0;
        for (; c + 64 <= p.width; c += 64) encode_64_finite<Stream>(row + c, divisors[c / kBlock], out + c);
        for (; c + 16 <= p.width; c += 16) encode_16_finite<true, Stream>(row + c, divisors[c / kBlock], out + c);
      } else {
        for (int64_t b = 0; b < blocks; ++b) {
          const Divisor& d = divisors[b];
          const int64_t from = b * kBlock, to = std::min(p.width, from + kBlock) & ~int64_t{15};
          if (d.finite && d.by_inverse)
            encode_row<true, true, Stream>(row, from, to, d, out);
          else if (d.finite)
            encode_row<true, false, Stream>(row, from, to, d, out);
          else if (d.by_inverse)
            encode_row<false, true, Stream>(row, from, to, d, out);
          else
            encode_row<false, false, Stream>(row, from, to, d, out);
        }
      }
      for (int64_t c = p.width & ~int64_t{15}; c < p.width; ++c)
        out[c] = float_to_e4m3(bf16_to_float(row[c]) / panel_scales[c / kBlock]);
      if (next != nullptr && r < next->rows) {
        // Rows of the next panel are short runs far apart, which the hardware prefetcher does
        // not follow: ask for a row a few iterations ahead of the one read now.
        if (r + kPrefetchRows < next->rows) {
          const char* later = reinterpret_cast<const char*>(src + (next->r0 + r + kPrefetchRows) * stride + next->c0);
          for (int64_t c = 0; c < next->width * 2; c += 64) _mm_prefetch(later + c, _MM_HINT_T1);
        }
        ahead.add(src + (next->r0 + r) * stride + next->c0);
      }
    }
    if (next != nullptr) ahead.finish(src + next->r0 * stride + next->c0, stride, next->rows, amax, raw);
  }
  if constexpr (Stream) _mm_sfence();
}

}  // namespace

WXFER_AVX512 void quantize_avx512(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, uint8_t* dst,
                                  int64_t dst_stride, float* scales, int64_t scale_stride) {
  // Streaming stores need aligned rows (64 bytes: whole-line stores), and pay off only past
  // the caches.
  const bool aligned = reinterpret_cast<uintptr_t>(dst) % 64 == 0 && dst_stride % 64 == 0;
  if (aligned && rows * cols >= (int64_t{4} << 20))
    quantize_panels<true>(src, stride, rows, cols, dst, dst_stride, scales, scale_stride);
  else
    quantize_panels<false>(src, stride, rows, cols, dst, dst_stride, scales, scale_stride);
}

bool have_avx512_kernel() {
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
  return avx512;
}

WXFER_AVX512 void strip_scales_avx512(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, float* scales) {
  constexpr int64_t kPanel = RowAmax::kBlocks * kBlock;
  for (int64_t p0 = 0; p0 < cols; p0 += kPanel) {
    RowAmax amax_pass(std::min(cols - p0, kPanel));
    for (int64_t r = 0; r < rows; ++r) amax_pass.add(src + r * stride + p0);
    uint16_t amax[RowAmax::kBlocks], raw[RowAmax::kBlocks];
    amax_pass.finish(src + p0, stride, rows, amax, raw);
    for (int64_t b = 0; b < (std::min(cols - p0, kPanel) + kBlock - 1) / kBlock; ++b)
      scales[p0 / kBlock + b] = block_scale(bf16_to_float(amax[b]));
  }
}

}  // namespace wxfer::quant::detail

#else  // no AVX-512 kernel in this build

namespace wxfer::quant::detail {
bool have_avx512_kernel() { return false; }
void strip_scales_avx512(const uint16_t* src, int64_t stride, int64_t rows, int64_t cols, float* scales) {
  strip_scales_scalar(src, stride, rows, cols, scales);
}
void quantize_avx512(const uint16_t*, int64_t, int64_t, int64_t, uint8_t*, int64_t, float*, int64_t) {
  WXFER_ASSERT(false);  // have_avx512_kernel() is false: never called
}
}  // namespace wxfer::quant::detail

#endif
