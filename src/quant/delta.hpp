// Sparse updates: the elements of a region that changed since the version its receiver holds,
// encoded as a patch (index-and-value or bitmap-and-value, whichever is smaller), and applied
// on the receiver. Patches are self-describing records, so that a sender packs many of them
// into one buffer and writes it with one operation per receiver (docs/sparse.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wxfer::delta {

enum class Encoding : uint8_t {
  // Per block of 65,536 elements a u32 count, then every changed element's u16 index within
  // its block, then the values: 2 bytes of index per change.
  index = 1,
  bitmap = 2,  // one bit per element, then the values of the set bits
  whole = 3,   // every element (a region whose patch would be no smaller)
};
inline constexpr uint64_t kIndexBlock = 65536;

// One patch record as it lies in a buffer, followed by its payload; 8-byte aligned.
struct PatchHeader {
  uint32_t magic = 0;
  uint16_t elem_bytes = 0;
  uint8_t encoding = 0;
  uint8_t reserved = 0;
  uint64_t dest_offset = 0;  // bytes into the receiver's memory
  uint64_t elements = 0;     // elements in the region
  uint64_t changed = 0;      // elements in the payload
};
inline constexpr uint32_t kPatchMagic = 0x48435450;  // "PTCH"

// A region as the sender reads it: `rows` runs of `row_bytes`, `stride` bytes apart.
struct Rows {
  const uint8_t* data = nullptr;
  uint64_t rows = 1, row_bytes = 0, stride = 0;
  uint64_t bytes() const { return rows * row_bytes; }
};

class Patch {
 public:
  // The elements of `now` (`elem_bytes` each) that differ from `previous` (the region's last
  // version, packed, now.bytes() long), which is brought up to date as they are found.
  void diff(const Rows& now, uint8_t* previous, uint32_t elem_bytes);
  // The elements of `now` whose bit is set in a change mask (as an optimizer step emits it):
  // `now` holds `box_rows` x `box_cols` elements, row-major; element (r, c)'s bit is
  // first_bit + r * mask_row_bits + c of `mask`. Reads only the mask and the changed values.
  void gather(const Rows& now, uint32_t elem_bytes, uint64_t box_rows, uint64_t box_cols, const uint64_t* mask,
              uint64_t first_bit, uint64_t mask_row_bits);
  uint64_t elements() const { return elements_; }
  uint64_t changed() const { return index_.size(); }
  Encoding encoding() const;
  // Header and payload, padded to 8 bytes.
  uint64_t encoded_bytes() const;
  // Appends the record, addressed to `dest_offset` in the receiver's memory.
  void append(uint64_t dest_offset, std::vector<uint8_t>& out) const;

 private:
  uint64_t payload_bytes(Encoding e) const;
  std::vector<uint32_t> index_;  // changed elements, ascending
  std::vector<uint8_t> values_;  // their new values
  uint64_t elements_ = 0;
  uint32_t elem_ = 1;
};

// A record of every element of a region (Encoding::whole), appended to `out`.
void append_whole(uint64_t dest_offset, uint32_t elem_bytes, const uint8_t* data, uint64_t bytes, std::vector<uint8_t>& out);

// Calls `each(header, payload)` for every record in [data, data + bytes), after checking that
// its header and payload lie inside (magic, element size, encoding, counts, payload size);
// stops at the first problem, its own or the one `each` returns.
std::optional<std::string> visit(
    const uint8_t* data, uint64_t bytes,
    const std::function<std::optional<std::string>(const PatchHeader& header, const uint8_t* payload)>& each);
// Calls `change(index, value)` for every element a visited record carries, in ascending index
// order; what is malformed (an index past the region, counts that disagree), if anything.
std::optional<std::string> for_each_change(const PatchHeader& header, const uint8_t* payload,
                                           const std::function<void(uint64_t index, const uint8_t* value)>& change);

struct Applied {
  uint64_t patches = 0, changed = 0;
};
// Applies the records in [data, data + bytes) to `memory` (`memory_bytes` long): the number of
// patches and elements written, or what is malformed (a record out of bounds, a bad magic or
// encoding, an index past its region, a bitmap whose bits disagree with its count).
std::optional<std::string> apply(const uint8_t* data, uint64_t bytes, uint8_t* memory, uint64_t memory_bytes, Applied& out);

}  // namespace wxfer::delta
