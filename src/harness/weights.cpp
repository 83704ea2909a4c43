#include "harness/weights.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

#include "common/error.hpp"
#include "common/units.hpp"

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

// Calls run(done, element, row, block_col, n) for each run of the elements [first, first +
// count) (row-major, `cols` columns) that lies in one row and one 128-column block: a run
// shares its block's exponent and magnitude. `done`: elements before the run.
template <typename Run>
void for_each_block_run(int64_t cols, uint64_t first, uint64_t count, Run&& run) {
  WXFER_ASSERT(cols > 0);
  const auto width = static_cast<uint64_t>(cols);
  for (uint64_t done = 0; done < count;) {
    const uint64_t e = first + done;
    const auto row = static_cast<int64_t>(e / width);
    const auto col = static_cast<int64_t>(e % width);
    const uint64_t block_end = std::min<uint64_t>(static_cast<uint64_t>((col / kWeightBlock + 1) * kWeightBlock), width);
    const uint64_t n = std::min(count - done, block_end - static_cast<uint64_t>(col));
    run(done, e, row, col / kWeightBlock, n);
    done += n;
  }
}

// [0, 1) from a hash's top 24 bits.
double unit_of(uint32_t h) { return static_cast<double>(h >> 8) * (1.0 / 16777216.0); }

// float -> bf16, rounding to nearest even (finite values).
uint16_t bf16_of(float f) {
  uint32_t bits = 0;
  std::memcpy(&bits, &f, sizeof(bits));
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

// An element's own hash, the same at every version (seeded per tensor and purpose).
uint32_t element_hash(uint32_t seed, uint64_t element) {
  return fmix32(static_cast<uint32_t>(element) ^ seed ^ static_cast<uint32_t>(element >> 32) * 0x9E3779B1u);
}

// density:D: element e holds version floor(step * D + u_e), u_e = m_e / 2^24 from its hash,
// which is `low` + 1 exactly where m_e >= `threshold` (from the fraction of step * D).
// Runs of one block's columns: the two versions' seeds and exponents given.
[[gnu::target_clones("avx2", "default")]] void fill_density_bf16(uint32_t model_seed, const uint32_t* seeds,
                                                                 const uint32_t* exponents, uint32_t threshold, uint64_t first,
                                                                 uint64_t count, uint16_t* out) {
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t e = first + i;
    const uint32_t newer =
        (fmix32(static_cast<uint32_t>(e) ^ model_seed ^ static_cast<uint32_t>(e >> 32) * 0x9E3779B1u) >> 8) >= threshold ? 1 : 0;
    out[i] = weight_bf16_bits_seeded(newer != 0 ? seeds[1] : seeds[0], e, newer != 0 ? exponents[1] : exponents[0]);
  }
}

// adam: the magnitude of a (tensor, row, 128-column block) run: scale x a per-tensor and a
// per-block factor in [1/2, 2), x 8 on outlier rows.
double adam_magnitude(const UpdateModel& m, uint32_t tensor, int64_t row, int64_t block_col) {
  const uint64_t t = mix64(uint64_t{tensor} * 0xD6E8FEB86659FD93ull + 0x2545F4914F6CDD1Dull);
  const uint64_t block = mix64(t + (static_cast<uint64_t>(row / kWeightBlock) << 32 | static_cast<uint64_t>(block_col)));
  const bool outlier = (mix64(t ^ static_cast<uint64_t>(row)) & 63) == 0;
  return m.scale * std::exp2((static_cast<double>(t & 7) - 4) / 4) * std::exp2((static_cast<double>(block & 7) - 4) / 4) *
         (outlier ? 8.0 : 1.0);
}

// adam: element `element` at version `step`, as bf16 bits (fp32 master weight, rounded).
uint16_t adam_bits(const UpdateModel& m, uint32_t seed, double magnitude, uint64_t element, uint32_t step) {
  const uint32_t h = element_hash(seed, element);
  const uint32_t a = fmix32(h ^ 0x68E31DA4u), b = fmix32(h ^ 0xB5297A4Du), c = fmix32(h ^ 0x1B56C4E9u);
  // Irwin-Hall of four 16-bit uniforms: mean 2, variance 1/3; scaled to N(0, 1) closely enough.
  const double normal = ((a & 0xFFFF) + (a >> 16) + (b & 0xFFFF) + (b >> 16)) / 65536.0 - 2.0;
  const double w0 = magnitude * normal * 1.7320508075688772;
  const double drift = m.drift * (2 * unit_of(c) - 1);
  const auto noise = [&](uint32_t s) {
    return (1 - m.drift) * (2 * unit_of(fmix32(h ^ fmix32(s * 0x9E3779B1u + 0x7F4A7C15u))) - 1);
  };
  const double w = w0 + m.lr * (static_cast<double>(step) * drift + noise(step) - noise(0));
  return bf16_of(static_cast<float>(w));
}

uint32_t model_seed(const UpdateModel& m, uint32_t tensor) {
  return weight_seed(tensor, m.kind == UpdateModel::Kind::adam ? 0xADA30000u : 0xDE750000u);
}

}  // namespace

UpdateModel UpdateModel::parse(const std::string& text, const std::string& option) {
  const auto bad = [&](const std::string& why) -> UpdateModel { throw_usage("invalid " + option + " '" + text + "': " + why); };
  UpdateModel m;
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon), rest = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (kind == "versioned" && colon == std::string::npos) return m;
  if (kind == "density") {
    m.kind = Kind::density;
    if (rest.empty()) return bad("density needs a fraction, e.g. density:0.02");
    try {
      m.density = parse_fraction(rest, option);
    } catch (const UsageError&) {
      return bad("'" + rest + "' is not a fraction like 0.02 or 2%");
    }
    if (!(m.density > 0 && m.density <= 1)) return bad("the density must lie in (0, 1]");
    return m;
  }
  if (kind == "adam") {
    m.kind = Kind::adam;
    std::stringstream keys(rest);
    for (std::string item; !rest.empty() && std::getline(keys, item, ',');) {
      const auto eq = item.find('=');
      const std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
      double number = 0;
      try {
        size_t used = 0;
        number = std::stod(value, &used);
        if (used != value.size()) throw std::invalid_argument(value);
      } catch (const std::exception&) {
        return bad("'" + item + "' is not key=number");
      }
      if (key == "lr" && number > 0 && number < 1)
        m.lr = number;
      else if (key == "scale" && number > 0 && number < 1e3)
        m.scale = number;
      else if (key == "drift" && number >= 0 && number <= 1)
        m.drift = number;
      else if (key == "lr" || key == "scale" || key == "drift")
        return bad(key + " out of range (lr in (0, 1), scale in (0, 1000), drift in [0, 1])");
      else
        return bad("unknown key '" + key + "' (lr, scale, drift)");
    }
    return m;
  }
  return bad("expected versioned, density:D or adam[:lr=..,scale=..,drift=..]");
}

std::string UpdateModel::to_string() const {
  std::ostringstream out;
  out.precision(6);
  switch (kind) {
    case Kind::versioned:
      return "versioned";
    case Kind::density:
      out << "density:" << density;
      return out.str();
    case Kind::adam:
      out << "adam:lr=" << lr << ",scale=" << scale << ",drift=" << drift;
      return out.str();
  }
  return "versioned";
}

double sampled_changed_fraction(const UpdateModel& model, uint64_t elements) {
  constexpr uint32_t kTensors = 8, kStep = 1000;
  constexpr int64_t kCols = 4096;
  const uint64_t each = std::max<uint64_t>(elements / kTensors, 1);
  std::vector<uint16_t> before(each), after(each);
  uint64_t changed = 0;
  for (uint32_t t = 0; t < kTensors; ++t) {
    fill_weights(model, DType::bf16, t, kCols, 0, each, kStep - 1, reinterpret_cast<uint8_t*>(before.data()));
    fill_weights(model, DType::bf16, t, kCols, 0, each, kStep, reinterpret_cast<uint8_t*>(after.data()));
    for (uint64_t i = 0; i < each; ++i) changed += before[i] != after[i] ? 1 : 0;
  }
  return static_cast<double>(changed) / static_cast<double>(each * kTensors);
}

uint16_t weight_bf16_bits(const UpdateModel& model, uint32_t tensor, int64_t cols, uint64_t element, uint32_t step) {
  uint16_t out = 0;
  fill_weights(model, DType::bf16, tensor, cols, element, 1, step, reinterpret_cast<uint8_t*>(&out));
  return out;
}

void fill_weights(const UpdateModel& model, DType dtype, uint32_t tensor, int64_t cols, uint64_t first, uint64_t count,
                  uint32_t step, uint8_t* out) {
  if (model.kind == UpdateModel::Kind::versioned) return fill_weights(dtype, tensor, cols, first, count, step, out);
  const uint32_t seed = model_seed(model, tensor);
  const size_t elem = dtype == DType::f32 ? 4 : 2;
  // density: an element holds one of two versions, floor(step * D) or the one after.
  const double at = static_cast<double>(step) * model.density;
  const auto low = static_cast<uint32_t>(std::floor(at));
  const auto threshold = static_cast<uint32_t>(std::ceil((1.0 - (at - std::floor(at))) * 16777216.0));
  const uint32_t seeds[2] = {weight_seed(tensor, low), weight_seed(tensor, low + 1)};
  uint16_t bits[kWeightBlock];
  for_each_block_run(cols, first, count, [&](uint64_t done, uint64_t e, int64_t row, int64_t block_col, uint64_t n) {
    if (model.kind == UpdateModel::Kind::density) {
      const uint32_t exponents[2] = {weight_block_exponent(tensor, row, block_col, low),
                                     weight_block_exponent(tensor, row, block_col, low + 1)};
      fill_density_bf16(seed, seeds, exponents, threshold, e, n, bits);
    } else {
      const double magnitude = adam_magnitude(model, tensor, row, block_col);
      for (uint64_t i = 0; i < n; ++i) bits[i] = adam_bits(model, seed, magnitude, e + i, step);
    }
    uint8_t* to = out + done * elem;
    if (elem == 2) {
      std::memcpy(to, bits, n * 2);
      return;
    }
    for (uint64_t i = 0; i < n; ++i) {  // float32 tensors carry the bf16 values widened
      const uint32_t w = uint32_t{bits[i]} << 16;
      std::memcpy(to + i * 4, &w, 4);
    }
  });
}

uint16_t weight_bf16_bits(uint32_t tensor, int64_t cols, uint64_t element, uint32_t step) {
  const auto row = static_cast<int64_t>(element / static_cast<uint64_t>(cols));
  const auto col = static_cast<int64_t>(element % static_cast<uint64_t>(cols));
  return weight_bf16_bits_seeded(weight_seed(tensor, step), element,
                                 weight_block_exponent(tensor, row, col / kWeightBlock, step));
}

void fill_weights(DType dtype, uint32_t tensor, int64_t cols, uint64_t first, uint64_t count, uint32_t step, uint8_t* out) {
  const uint32_t seed = weight_seed(tensor, step);
  const size_t elem = dtype == DType::f32 ? 4 : 2;
  for_each_block_run(cols, first, count, [&](uint64_t done, uint64_t e, int64_t row, int64_t block_col, uint64_t n) {
    const uint32_t exponent = weight_block_exponent(tensor, row, block_col, step);
    if (elem == 4)
      fill_f32(seed, exponent, e, n, reinterpret_cast<uint32_t*>(out + done * elem));
    else
      fill_bf16(seed, exponent, e, n, reinterpret_cast<uint16_t*>(out + done * elem));
  });
}

}  // namespace wxfer
