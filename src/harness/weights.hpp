// Deterministic weight content: the value of element (r, c) of tensor t at version s is a
// pure function of (t, r, c, s), so receivers verify every byte without a copy of the model,
// and bytes left over from version s fail the check at s+1.
//
// The values are shaped so that every check has something to catch. Each tensor has its own
// magnitude, some rows are outliers, and every 128x128 block has its own binade at every
// version, moving by one binade from each version to the next: every fp8 block scale
// (amax / 448) differs from its neighbours', from the same block's one or two versions back,
// and from most blocks of other tensors, so permuted, transposed, stale or borrowed scales
// fail verification. Within a block, elements spread over 8 binades with random mantissas
// and signs. All values are finite bf16 (float32 tensors carry the same values, widened).
#pragma once

#include <cstdint>
#include <string>

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

// One seed per (tensor, version); elements are then hashed with 32-bit arithmetic that
// vectorises, because filling and verifying every byte each step must stay cheap next to the
// update being measured.
inline uint32_t weight_seed(uint32_t tensor, uint32_t step) {
  return static_cast<uint32_t>(mix64(uint64_t{tensor} << 32 | step));
}

// murmur3's finaliser: a bijection on 32 bits, so distinct elements of a tensor (below
// 2^32) never share a hash within one version.
inline uint32_t fmix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  return x;
}

inline constexpr int64_t kWeightBlock = 128;  // the fp8 block: each has its own binade

// The bf16 exponent field of the lowest binade of element (row, any column of block
// `block_col`): the tensor's magnitude (8 binades apart), +4 on outlier rows (1 in 64), and
// the block's own binade (16 apart), which moves up by one (mod 16) every version.
inline uint32_t weight_block_exponent(uint32_t tensor, int64_t row, int64_t block_col, uint32_t step) {
  const uint64_t t = mix64(uint64_t{tensor} * 0x9E3779B97F4A7C15ull + 0x5851F42D4C957F2Dull);
  const uint32_t tensor_binade = static_cast<uint32_t>(t & 7);
  const bool outlier = (mix64(t ^ static_cast<uint64_t>(row)) & 63) == 0;
  const uint64_t block = mix64(t + (static_cast<uint64_t>(row / kWeightBlock) << 32 | static_cast<uint64_t>(block_col)));
  const auto block_binade = static_cast<uint32_t>((block + step) & 15);
  return 100 + tensor_binade + (outlier ? 4 : 0) + block_binade;
}

// One element: sign and mantissa from the element's hash, exponent the block's plus 0-7.
inline uint16_t weight_bf16_bits_seeded(uint32_t seed, uint64_t element, uint32_t block_exponent) {
  const uint32_t h = fmix32(static_cast<uint32_t>(element) ^ seed ^ static_cast<uint32_t>(element >> 32) * 0x9E3779B1u);
  const auto mantissa = static_cast<uint16_t>(h & 0x7F);
  const auto sign = static_cast<uint16_t>(((h >> 7) & 1) << 15);
  const auto exponent = static_cast<uint16_t>(block_exponent + ((h >> 8) & 7));
  return static_cast<uint16_t>(sign | exponent << 7 | mantissa);
}

// How the weights move from one version to the next (`--update-model`; docs/sparse.md).
// Every model keeps content a pure function of (tensor, element, version), so that any rank
// computes any version of any element without a copy of the model.
//   versioned   every element new at every version (the generator above): the checks' model.
//   density:D   each element changes at a fraction D of the versions, evenly spread: element e
//               holds the generator's value of version floor(s * D + u_e) at version s (u_e in
//               [0, 1) from its hash), so that a fraction D of elements changes per step.
//   adam:KEYS   an optimizer's fp32 master weights rounded to bf16, as trainers hand them over:
//               w_s = w_0 + lr * (s * d_e + z_e(s) - z_e(0)), with w_0 ~ scale * N(0, 1) (times
//               a per-tensor and per-128x128-block factor in [1/2, 2) and 8 on 1 row in 64),
//               d_e uniform in [-drift, drift] (the persistent direction Adam's momentum gives)
//               and z_e(s) uniform in [-(1 - drift), 1 - drift] afresh each step (its noise): a
//               step moves an element by lr * (d_e + z_e(s) - z_e(s - 1)), below lr * 2 in
//               size. Whether its bf16 value changes is then the arithmetic of rounding: most
//               steps stay inside half a bf16 ulp (|w| / 256). Keys: lr (1e-5), scale (0.02),
//               drift (0.5).
struct UpdateModel {
  enum class Kind { versioned, density, adam };
  Kind kind = Kind::versioned;
  double density = 1;                           // density:D
  double lr = 1e-5, scale = 0.02, drift = 0.5;  // adam
  // UsageError naming `text` (and `option`) when it is not one of the forms above.
  static UpdateModel parse(const std::string& text, const std::string& option = "--update-model");
  std::string to_string() const;
  bool operator==(const UpdateModel&) const = default;
};

// The fraction of elements whose bf16 value changes from one version to the next, measured
// on `elements` elements of a few tensors (what `wxfer sim --delta` assumes of a model).
double sampled_changed_fraction(const UpdateModel& model, uint64_t elements = 1 << 20);

// Element `element` (row-major index) of a tensor with `cols` columns.
uint16_t weight_bf16_bits(uint32_t tensor, int64_t cols, uint64_t element, uint32_t step);
uint16_t weight_bf16_bits(const UpdateModel& model, uint32_t tensor, int64_t cols, uint64_t element, uint32_t step);

// Writes elements [first, first + count) (row-major indices; any number of rows) of a tensor
// with `cols` columns in its trainer dtype.
void fill_weights(DType dtype, uint32_t tensor, int64_t cols, uint64_t first, uint64_t count, uint32_t step, uint8_t* out);
void fill_weights(const UpdateModel& model, DType dtype, uint32_t tensor, int64_t cols, uint64_t first, uint64_t count,
                  uint32_t step, uint8_t* out);

}  // namespace wxfer
