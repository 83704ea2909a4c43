// Delta patches: what a sender finds changed, encodes and a receiver applies must rebuild
// the new version exactly, whichever encoding and element size; malformed input is refused.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "quant/delta.hpp"

namespace wxfer::delta {
namespace {

// `n` elements of `elem` bytes, and a next version with a fraction `density` of them changed.
struct Versions {
  std::vector<uint8_t> before, after;
  size_t changed = 0;
};
Versions versions(size_t n, uint32_t elem, double density, uint32_t seed) {
  std::mt19937 rng(seed);
  Versions v;
  v.before.resize(n * elem);
  for (auto& b : v.before) b = static_cast<uint8_t>(rng());
  v.after = v.before;
  std::bernoulli_distribution change(density);
  for (size_t i = 0; i < n; ++i)
    if (change(rng)) {
      v.after[i * elem] = static_cast<uint8_t>(v.after[i * elem] + 1 + rng() % 255);  // surely different
      ++v.changed;
    }
  return v;
}

// Receiver memory holding `before` at `offset`, the patch applied: must equal `after`.
void expect_round_trip(const Patch& patch, const Versions& v, uint64_t offset) {
  std::vector<uint8_t> buffer;
  patch.append(offset, buffer);
  ASSERT_EQ(buffer.size(), patch.encoded_bytes());
  ASSERT_EQ(buffer.size() % 8, 0u);
  std::vector<uint8_t> memory(offset + v.before.size() + 16, 0xEE);
  std::memcpy(memory.data() + offset, v.before.data(), v.before.size());
  Applied applied;
  const auto bad = apply(buffer.data(), buffer.size(), memory.data(), memory.size(), applied);
  ASSERT_FALSE(bad.has_value()) << *bad;
  EXPECT_EQ(applied.patches, 1u);
  EXPECT_EQ(applied.changed, v.changed);
  EXPECT_EQ(std::memcmp(memory.data() + offset, v.after.data(), v.after.size()), 0);
  for (size_t i = 0; i < offset; ++i) ASSERT_EQ(memory[i], 0xEE) << "byte " << i << " before the region written";
  for (size_t i = offset + v.after.size(); i < memory.size(); ++i) ASSERT_EQ(memory[i], 0xEE) << "byte " << i << " after it";
}

class DeltaRoundTrip : public testing::TestWithParam<std::tuple<uint32_t, double>> {};

TEST_P(DeltaRoundTrip, DiffRebuildsTheNewVersion) {
  const auto [elem, density] = GetParam();
  const size_t n = 200003;  // past three index blocks, not a multiple of anything
  const Versions v = versions(n, elem, density, 7);
  std::vector<uint8_t> shadow = v.before;
  Patch patch;
  patch.diff({v.after.data(), 1, v.after.size(), v.after.size()}, shadow.data(), elem);
  EXPECT_EQ(patch.elements(), n);
  EXPECT_EQ(patch.changed(), v.changed);
  EXPECT_EQ(shadow, v.after) << "the shadow is brought up to date";
  expect_round_trip(patch, v, 4096);
}

TEST_P(DeltaRoundTrip, MaskGatherEqualsDiff) {
  const auto [elem, density] = GetParam();
  // A 300 x 700 box read from rows 1000 elements apart, its bits 768 apart in the mask (as a
  // trainer's held part, its rows' bits each starting a word), starting mid-word.
  const uint64_t rows = 300, cols = 700, stride = 1000, mask_row_bits = 768, first_bit = 37;
  const Versions v = versions(rows * cols, elem, density, 11);
  std::vector<uint8_t> held(rows * stride * elem, 0x55);
  std::vector<uint64_t> mask((first_bit + rows * mask_row_bits) / 64 + 2, 0);
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < cols; ++c) {
      const uint64_t k = r * cols + c;
      std::memcpy(held.data() + (r * stride + c) * elem, v.after.data() + k * elem, elem);
      if (std::memcmp(v.before.data() + k * elem, v.after.data() + k * elem, elem) != 0) {
        const uint64_t bit = first_bit + r * mask_row_bits + c;
        mask[bit / 64] |= uint64_t{1} << (bit % 64);
      }
    }
  Patch from_mask, from_diff;
  from_mask.gather({held.data(), rows, cols * elem, stride * elem}, elem, rows, cols, mask.data(), first_bit, mask_row_bits);
  std::vector<uint8_t> shadow = v.before;
  from_diff.diff({held.data(), rows, cols * elem, stride * elem}, shadow.data(), elem);
  EXPECT_EQ(from_mask.changed(), v.changed);
  std::vector<uint8_t> a, b;
  from_mask.append(64, a);
  from_diff.append(64, b);
  EXPECT_EQ(a, b);
  expect_round_trip(from_mask, v, 64);
}

INSTANTIATE_TEST_SUITE_P(ElementsAndDensities, DeltaRoundTrip,
                         testing::Combine(testing::Values(1u, 2u, 4u), testing::Values(0.0, 0.001, 0.02, 0.3, 1.0)));

TEST(DeltaEncoding, IndexWhenSparseBitmapWhenDense) {
  Patch patch;
  const Versions sparse = versions(100000, 2, 0.01, 3);
  std::vector<uint8_t> shadow = sparse.before;
  patch.diff({sparse.after.data(), 1, sparse.after.size(), sparse.after.size()}, shadow.data(), 2);
  EXPECT_EQ(patch.encoding(), Encoding::index);
  // 2 bytes of index and 2 of value per change, a count per 65,536 elements, the header.
  EXPECT_EQ(patch.encoded_bytes(), sizeof(PatchHeader) + (2 * 4 + patch.changed() * 4 + 7) / 8 * 8);
  const Versions dense = versions(100000, 2, 0.4, 3);
  shadow = dense.before;
  patch.diff({dense.after.data(), 1, dense.after.size(), dense.after.size()}, shadow.data(), 2);
  EXPECT_EQ(patch.encoding(), Encoding::bitmap);
  EXPECT_EQ(patch.encoded_bytes(), sizeof(PatchHeader) + (100000 / 8 + patch.changed() * 2 + 7) / 8 * 8);
}

// A valid one-patch buffer to break.
std::vector<uint8_t> one_patch(double density, uint64_t offset = 0) {
  const Versions v = versions(1000, 2, density, 5);
  std::vector<uint8_t> shadow = v.before;
  Patch patch;
  patch.diff({v.after.data(), 1, v.after.size(), v.after.size()}, shadow.data(), 2);
  std::vector<uint8_t> out;
  patch.append(offset, out);
  return out;
}

std::string refused(std::vector<uint8_t> buffer, uint64_t memory_bytes = 2000) {
  std::vector<uint8_t> memory(memory_bytes);
  Applied applied;
  const auto bad = apply(buffer.data(), buffer.size(), memory.data(), memory.size(), applied);
  return bad.value_or("");
}

TEST(DeltaApply, RefusesMalformedPatches) {
  auto buffer = one_patch(0.05);
  EXPECT_EQ(refused(buffer), "");
  EXPECT_NE(refused(buffer, 1999).find("outside 1999 bytes"), std::string::npos);  // region past the memory
  auto bad_magic = buffer;
  bad_magic[0] ^= 1;
  EXPECT_NE(refused(bad_magic).find("bad magic"), std::string::npos);
  auto truncated = buffer;
  truncated.resize(truncated.size() - 16);
  EXPECT_NE(refused(truncated).find("payload past the end"), std::string::npos);
  auto header_only = buffer;
  header_only.resize(20);
  EXPECT_NE(refused(header_only).find("truncated header"), std::string::npos);
  auto bad_encoding = buffer;
  bad_encoding[offsetof(PatchHeader, encoding)] = 9;
  EXPECT_NE(refused(bad_encoding).find("unknown encoding 9"), std::string::npos);
  // An index past its 1000 elements (the first u16 index, after the one block count).
  auto bad_index = buffer;
  const uint16_t past = 1000;
  std::memcpy(bad_index.data() + sizeof(PatchHeader) + 4, &past, 2);
  EXPECT_NE(refused(bad_index).find("past its 1000 elements"), std::string::npos);
  // A bitmap with one bit more than its count.
  auto bitmap = one_patch(0.6);
  PatchHeader h;
  std::memcpy(&h, bitmap.data(), sizeof(h));
  ASSERT_EQ(h.encoding, static_cast<uint8_t>(Encoding::bitmap));
  h.changed -= 1;
  std::memcpy(bitmap.data(), &h, sizeof(h));
  EXPECT_NE(refused(bitmap).find("bitmap disagrees with its count"), std::string::npos);
}

}  // namespace
}  // namespace wxfer::delta
