#include "quant/delta.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace wxfer::delta {
namespace {

uint64_t padded(uint64_t bytes) { return (bytes + 7) / 8 * 8; }

uint64_t index_blocks(uint64_t elements) { return (elements + kIndexBlock - 1) / kIndexBlock; }

// Payload bytes of a record of `changed` of `elements` elements of `elem` bytes; nullopt for
// an encoding that is not one (or a whole record that leaves elements out).
std::optional<uint64_t> payload_size(uint8_t encoding, uint64_t elements, uint64_t changed, uint64_t elem) {
  if (encoding == static_cast<uint8_t>(Encoding::index))
    return index_blocks(elements) * sizeof(uint32_t) + changed * (sizeof(uint16_t) + elem);
  if (encoding == static_cast<uint8_t>(Encoding::bitmap)) return (elements + 7) / 8 + changed * elem;
  if (encoding == static_cast<uint8_t>(Encoding::whole) && changed == elements) return elements * elem;
  return std::nullopt;
}

// One element of `elem` bytes, with the sizes the plan has spelled out so that they inline.
inline void put_value(uint8_t* out, const uint8_t* in, uint32_t elem) {
  switch (elem) {
    case 1:
      *out = *in;
      break;
    case 2:
      std::memcpy(out, in, 2);
      break;
    case 4:
      std::memcpy(out, in, 4);
      break;
    default:
      std::memcpy(out, in, elem);
  }
}

}  // namespace

namespace {

// The set bits of `count` mask bits from bit `first` on, as indices from `base`, appended.
void collect_bits(const uint64_t* mask, uint64_t first, uint64_t count, uint32_t base, std::vector<uint32_t>& out) {
  for (uint64_t c = 0; c < count;) {
    // 64 bits from first + c on (a word boundary need not line up).
    const uint64_t b = first + c, word = b / 64, shift = b % 64;
    uint64_t bits = mask[word] >> shift;
    if (shift != 0 && 64 - shift < count - c) bits |= mask[word + 1] << (64 - shift);
    const uint64_t take = std::min<uint64_t>(64, count - c);
    if (take < 64) bits &= (uint64_t{1} << take) - 1;
    for (; bits != 0; bits &= bits - 1)
      out.push_back(base + static_cast<uint32_t>(c + static_cast<uint64_t>(std::countr_zero(bits))));
    c += take;
  }
}

// Changed values lie a cache line or more apart at the densities delta pays at: each read
// misses, so the reads a few changes ahead are started early.
constexpr size_t kPrefetchAhead = 16;

template <typename T>
void copy_indexed(const uint8_t* row, const uint32_t* index, size_t n, uint32_t base, uint8_t* out) {
  for (size_t j = 0; j < n; ++j) {
    if (j + kPrefetchAhead < n) __builtin_prefetch(row + (index[j + kPrefetchAhead] - base) * sizeof(T));
    std::memcpy(out + j * sizeof(T), row + (index[j] - base) * sizeof(T), sizeof(T));
  }
}

}  // namespace

void Patch::gather(const Rows& now, uint32_t elem_bytes, uint64_t box_rows, uint64_t box_cols, const uint64_t* mask,
                   uint64_t first_bit, uint64_t mask_row_bits) {
  index_.clear();
  values_.clear();
  elem_ = elem_bytes;
  elements_ = box_rows * box_cols;
  const uint64_t per_row = now.row_bytes / elem_bytes;  // elements per row of `now`
  // Each box row lies inside one row of `now` (a strided box has one per row, a packed one a
  // single row): its changed values are read from one base.
  const bool whole_rows = per_row % box_cols == 0;
  for (uint64_t r = 0; r < box_rows; ++r) {
    const auto base = static_cast<uint32_t>(r * box_cols);
    const size_t from = index_.size();
    collect_bits(mask, first_bit + r * mask_row_bits, box_cols, base, index_);
    const size_t n = index_.size() - from;
    if (n == 0) continue;
    values_.resize(index_.size() * elem_bytes);
    uint8_t* out = values_.data() + from * elem_bytes;
    if (whole_rows) {
      const uint8_t* row = now.data + (base / per_row) * now.stride + (base % per_row) * elem_bytes;
      if (elem_bytes == 2)
        copy_indexed<uint16_t>(row, index_.data() + from, n, base, out);
      else if (elem_bytes == 4)
        copy_indexed<uint32_t>(row, index_.data() + from, n, base, out);
      else
        copy_indexed<uint8_t>(row, index_.data() + from, n, base, out);
    } else {
      for (size_t j = 0; j < n; ++j) {
        const uint64_t k = index_[from + j];
        std::memcpy(out + j * elem_bytes, now.data + (k / per_row) * now.stride + (k % per_row) * elem_bytes, elem_bytes);
      }
    }
  }
}

void Patch::diff(const Rows& now, uint8_t* previous, uint32_t elem_bytes) {
  index_.clear();
  values_.clear();
  elem_ = elem_bytes;
  elements_ = now.bytes() / elem_bytes;
  const uint64_t per_row = now.row_bytes / elem_bytes;
  for (uint64_t r = 0; r < now.rows; ++r) {
    const uint8_t* row = now.data + r * now.stride;
    uint8_t* old = previous + r * now.row_bytes;
    const auto base = static_cast<uint32_t>(r * per_row);
    // Equal 8-byte words are skipped whole: most are, at the densities delta pays at.
    uint64_t at = 0;
    for (; at + 8 <= now.row_bytes; at += 8) {
      uint64_t a = 0, b = 0;
      std::memcpy(&a, row + at, 8);
      std::memcpy(&b, old + at, 8);
      if (a == b) continue;
      for (uint64_t e = at; e < at + 8; e += elem_bytes)
        if (std::memcmp(row + e, old + e, elem_bytes) != 0) {
          index_.push_back(base + static_cast<uint32_t>(e / elem_bytes));
          values_.insert(values_.end(), row + e, row + e + elem_bytes);
        }
      std::memcpy(old + at, row + at, 8);
    }
    for (; at < now.row_bytes; at += elem_bytes)
      if (std::memcmp(row + at, old + at, elem_bytes) != 0) {
        index_.push_back(base + static_cast<uint32_t>(at / elem_bytes));
        values_.insert(values_.end(), row + at, row + at + elem_bytes);
        std::memcpy(old + at, row + at, elem_bytes);
      }
  }
}

uint64_t Patch::payload_bytes(Encoding e) const { return *payload_size(static_cast<uint8_t>(e), elements_, changed(), elem_); }

Encoding Patch::encoding() const {
  return payload_bytes(Encoding::index) <= payload_bytes(Encoding::bitmap) ? Encoding::index : Encoding::bitmap;
}

uint64_t Patch::encoded_bytes() const { return sizeof(PatchHeader) + padded(payload_bytes(encoding())); }

void Patch::append(uint64_t dest_offset, std::vector<uint8_t>& out) const {
  const Encoding e = encoding();
  PatchHeader h;
  h.magic = kPatchMagic;
  h.elem_bytes = static_cast<uint16_t>(elem_);
  h.encoding = static_cast<uint8_t>(e);
  h.dest_offset = dest_offset;
  h.elements = elements_;
  h.changed = changed();
  const size_t at = out.size();
  out.resize(at + encoded_bytes(), 0);
  uint8_t* p = out.data() + at;
  std::memcpy(p, &h, sizeof(h));
  p += sizeof(h);
  if (e == Encoding::index) {
    const uint64_t blocks = index_blocks(elements_);
    std::vector<uint32_t> counts(blocks, 0);
    for (const uint32_t i : index_) ++counts[i / kIndexBlock];
    std::memcpy(p, counts.data(), blocks * sizeof(uint32_t));
    p += blocks * sizeof(uint32_t);
    for (const uint32_t i : index_) {
      const auto low = static_cast<uint16_t>(i % kIndexBlock);
      std::memcpy(p, &low, sizeof(low));
      p += sizeof(low);
    }
  } else {
    for (const uint32_t i : index_) p[i / 8] = static_cast<uint8_t>(p[i / 8] | 1u << (i % 8));
    p += (elements_ + 7) / 8;
  }
  std::memcpy(p, values_.data(), values_.size());
}

namespace {

// Walks an index record: change(i, value) for each element in ascending order, and
// ahead(i) for the one kPrefetchAhead changes later within its block (a hint). Templated so
// that a receiver's typed writes, its hot loop, inline.
template <typename Change, typename Ahead>
std::optional<std::string> walk_index(const PatchHeader& h, const uint8_t* p, Change&& change, Ahead&& ahead) {
  const uint64_t e = h.elem_bytes, blocks = index_blocks(h.elements);
  const uint8_t* lows = p + blocks * sizeof(uint32_t);
  const uint8_t* values = lows + h.changed * sizeof(uint16_t);
  const auto index = [&](uint64_t b, uint64_t j) {
    uint16_t low = 0;
    std::memcpy(&low, lows + j * sizeof(low), sizeof(low));
    return b * kIndexBlock + low;
  };
  uint64_t j = 0;
  for (uint64_t b = 0; b < blocks; ++b) {
    uint32_t count = 0;
    std::memcpy(&count, p + b * sizeof(uint32_t), sizeof(count));
    if (count > h.changed - j) return "index counts exceed its count of " + std::to_string(h.changed);
    for (const uint64_t end = j + count; j < end; ++j) {
      if (j + kPrefetchAhead < end) ahead(index(b, j + kPrefetchAhead));
      const uint64_t i = index(b, j);
      if (i >= h.elements) return "index " + std::to_string(i) + " past its " + std::to_string(h.elements) + " elements";
      change(i, values + j * e);
    }
  }
  if (j != h.changed) return "index counts disagree with its count of " + std::to_string(h.changed);
  return std::nullopt;
}

// The index encoding written straight into the region, typed by element size.
std::optional<std::string> apply_index(const PatchHeader& h, const uint8_t* p, uint8_t* region) {
  const auto typed = [&]<typename T>(T) {
    return walk_index(
        h, p, [&](uint64_t i, const uint8_t* value) { std::memcpy(region + i * sizeof(T), value, sizeof(T)); },
        [&](uint64_t i) { __builtin_prefetch(region + i * sizeof(T), 1); });
  };
  return h.elem_bytes == 2 ? typed(uint16_t{}) : h.elem_bytes == 4 ? typed(uint32_t{}) : typed(uint8_t{});
}

}  // namespace

std::optional<std::string> apply(const uint8_t* data, uint64_t bytes, uint8_t* memory, uint64_t memory_bytes, Applied& out) {
  return visit(data, bytes, [&](const PatchHeader& h, const uint8_t* p) -> std::optional<std::string> {
    const uint64_t e = h.elem_bytes;
    if (h.elements > memory_bytes / e || h.dest_offset > memory_bytes - h.elements * e)
      return "region of " + std::to_string(h.elements) + " elements at byte " + std::to_string(h.dest_offset) + " outside " +
             std::to_string(memory_bytes) + " bytes";
    uint8_t* region = memory + h.dest_offset;
    std::optional<std::string> bad;
    if (h.encoding == static_cast<uint8_t>(Encoding::whole))
      std::memcpy(region, p, h.elements * e);
    else if (h.encoding == static_cast<uint8_t>(Encoding::index))
      bad = apply_index(h, p, region);
    else
      bad = for_each_change(h, p, [&](uint64_t i, const uint8_t* value) { put_value(region + i * e, value, h.elem_bytes); });
    if (bad) return bad;
    ++out.patches;
    out.changed += h.changed;
    return std::nullopt;
  });
}

void append_whole(uint64_t dest_offset, uint32_t elem_bytes, const uint8_t* data, uint64_t bytes, std::vector<uint8_t>& out) {
  PatchHeader h;
  h.magic = kPatchMagic;
  h.elem_bytes = static_cast<uint16_t>(elem_bytes);
  h.encoding = static_cast<uint8_t>(Encoding::whole);
  h.dest_offset = dest_offset;
  h.elements = bytes / elem_bytes;
  h.changed = h.elements;
  const size_t at = out.size();
  out.resize(at + sizeof(h) + padded(bytes), 0);
  std::memcpy(out.data() + at, &h, sizeof(h));
  std::memcpy(out.data() + at + sizeof(h), data, bytes);
}

std::optional<std::string> visit(
    const uint8_t* data, uint64_t bytes,
    const std::function<std::optional<std::string>(const PatchHeader& header, const uint8_t* payload)>& each) {
  for (uint64_t at = 0; at < bytes;) {
    const std::string where = "patch at byte " + std::to_string(at);
    PatchHeader h;
    if (bytes - at < sizeof(h)) return where + ": truncated header";
    std::memcpy(&h, data + at, sizeof(h));
    if (h.magic != kPatchMagic) return where + ": bad magic";
    if (h.elem_bytes != 1 && h.elem_bytes != 2 && h.elem_bytes != 4)
      return where + ": element size " + std::to_string(h.elem_bytes);
    if (h.changed > h.elements || h.elements > (uint64_t{1} << 40))
      return where + ": " + std::to_string(h.changed) + " of " + std::to_string(h.elements) + " elements";
    const auto size = payload_size(h.encoding, h.elements, h.changed, h.elem_bytes);
    if (!size) return where + ": unknown encoding " + std::to_string(h.encoding);
    const uint64_t payload = *size;
    if (bytes - at - sizeof(h) < payload) return where + ": payload past the end";
    if (auto bad = each(h, data + at + sizeof(h))) return where + ": " + *bad;
    at += sizeof(h) + padded(payload);
  }
  return std::nullopt;
}

std::optional<std::string> for_each_change(const PatchHeader& h, const uint8_t* p,
                                           const std::function<void(uint64_t index, const uint8_t* value)>& change) {
  const uint64_t e = h.elem_bytes;
  if (h.encoding == static_cast<uint8_t>(Encoding::whole)) {
    for (uint64_t i = 0; i < h.elements; ++i) change(i, p + i * e);
    return std::nullopt;
  }
  if (h.encoding == static_cast<uint8_t>(Encoding::index)) return walk_index(h, p, change, [](uint64_t) {});
  const uint64_t map_bytes = (h.elements + 7) / 8;
  const uint8_t* values = p + map_bytes;
  uint64_t j = 0;
  for (uint64_t b = 0; b < map_bytes; ++b)
    for (unsigned bits = p[b]; bits != 0; bits &= bits - 1) {
      const uint64_t i = b * 8 + static_cast<uint64_t>(std::countr_zero(bits));
      if (i >= h.elements || j >= h.changed) return "bitmap disagrees with its count of " + std::to_string(h.changed);
      change(i, values + j++ * e);
    }
  if (j != h.changed) return "bitmap disagrees with its count of " + std::to_string(h.changed);
  return std::nullopt;
}

}  // namespace wxfer::delta
