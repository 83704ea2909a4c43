#include "harness/traffic_tap.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <set>
#include <span>
#include <sstream>
#include <utility>

#include "common/error.hpp"
#include "common/units.hpp"

namespace wxfer {
namespace {

// Forwards to the transport's window and counts what each put moves.
class TappedWindow final : public Window {
 public:
  TappedWindow(std::unique_ptr<Window> inner, TrafficTap& tap) : inner_(std::move(inner)), tap_(tap) {}
  // The fast path (no fault pending) is one forwarded call and one add per put.
  void put(int peer, uint64_t offset, const void* src, size_t bytes) override {
    if (tap_.any_fault()) return put_with_fault(peer, offset, src, bytes);
    inner_->put(peer, offset, src, bytes);
    tap_.count(peer, bytes);
  }
  void put_strided(int peer, uint64_t offset, const void* src, size_t rows, size_t row_bytes, size_t src_stride) override {
    if (tap_.any_fault() && tap_.fault_due(Fault::Kind::drop, peer)) {
      tap_.fault_done();  // not issued, not counted: it did not move
      return;
    }
    inner_->put_strided(peer, offset, src, rows, row_bytes, src_stride);
    tap_.count(peer, rows * row_bytes);
    if (tap_.any_fault() && tap_.fault_due(Fault::Kind::duplicate, peer)) {
      inner_->put_strided(peer, offset, src, rows, row_bytes, src_stride);
      tap_.count(peer, rows * row_bytes);
      tap_.fault_done();
    }
  }
  void put_interleaved(std::span<const StridedBox> boxes) override {
    inner_->put_interleaved(boxes);
    for (const StridedBox& b : boxes) tap_.count(b.peer, b.rows * b.row_bytes);
  }
  void flush(const Deadline& deadline) override { inner_->flush(deadline); }
  MemorySpan local() const override { return inner_->local(); }
  void close(const Deadline& deadline) override { inner_->close(deadline); }

 private:
  void put_with_fault(int peer, uint64_t offset, const void* src, size_t bytes) {
    if (tap_.fault_due(Fault::Kind::drop, peer)) {
      tap_.fault_done();
      return;
    }
    const void* from = src;
    if (tap_.fault_due(Fault::Kind::corrupt, peer) && bytes > 0) {
      from = tap_.corrupted_copy(src, bytes);
      tap_.fault_done();
    } else if (tap_.fault_due(Fault::Kind::swap_scales, peer)) {
      if (const void* swapped = tap_.scales_swapped(peer, offset, src, bytes)) {
        from = swapped;
        tap_.fault_done();
      }
    }
    inner_->put(peer, offset, from, bytes);
    tap_.count(peer, bytes);
    if (tap_.fault_due(Fault::Kind::duplicate, peer)) {
      inner_->put(peer, offset, from, bytes);
      tap_.count(peer, bytes);
      tap_.fault_done();
    }
  }

  std::unique_ptr<Window> inner_;
  TrafficTap& tap_;
};

}  // namespace

Request TrafficTap::isend(int peer, MemorySpan data, int tag) {
  if (fault_due(Fault::Kind::corrupt, peer) && data.bytes > 0 && data.kind == MemoryKind::host) {
    data.data = const_cast<void*>(corrupted_copy(data.data, data.bytes));
    fault_done();
  }
  Request r = inner_.isend(peer, data, tag);
  count(peer, data.bytes);
  return r;
}

Request TrafficTap::ibroadcast(Group& group, int root, MemorySpan data) {
  if (root == rank() && data.bytes > 0 && data.kind == MemoryKind::host && group.members().size() > 1 &&
      fault_due(Fault::Kind::corrupt, group.members().back())) {
    data.data = const_cast<void*>(corrupted_copy(data.data, data.bytes));
    fault_done();
  }
  Request r = inner_.ibroadcast(group, root, data);
  if (root == rank())
    for (int member : group.members())
      if (member != root) count(member, data.bytes);
  return r;
}

std::unique_ptr<Window> TrafficTap::expose(MemorySpan local) {
  return std::make_unique<TappedWindow>(inner_.expose(local), *this);
}

std::unique_ptr<Window> TrafficTap::expose_new(uint64_t bytes) {
  return std::make_unique<TappedWindow>(inner_.expose_new(bytes), *this);
}

Traffic TrafficTap::take() {
  copies_.clear();
  Traffic out;
  for (size_t peer = 0; peer < sent_.size(); ++peer)
    if (sent_[peer] > 0) out[static_cast<int>(peer)] = std::exchange(sent_[peer], 0);
  return out;
}

bool TrafficTap::fault_due(Fault::Kind kind, int peer) const {
  return fault_.kind == kind && kind != Fault::Kind::none && rank() == fault_.rank && step_ == fault_.step && peer >= 0 &&
         peer < ranks_.world() && !ranks_.is_trainer(peer);
}

const void* TrafficTap::corrupted_copy(const void* src, size_t bytes) {
  HostBuffer& copy = copies_.emplace_back(bytes);
  std::memcpy(copy.data(), src, bytes);
  copy.data()[0] ^= 0x10;  // the first byte: a receiver that keeps a slice of whole tensors keeps it
  return copy.data();
}

const void* TrafficTap::scales_swapped(int peer, uint64_t offset, const void* src, size_t bytes) {
  const int32_t index = ranks_.inference_index(peer);
  for (uint32_t si : plan_.slices_of(index)) {
    const Slice& s = plan_.slices()[si];
    const Conversion conversion = plan_.dest()[s.tensor].conversion;
    if (!is_scale(conversion)) continue;
    // fp8's float32 scales, or MXFP4's e8m0 bytes.
    const size_t elem = conversion == Conversion::fp8_scale ? sizeof(float) : 1;
    if (bytes < 2 * elem || bytes % elem != 0) continue;
    const uint64_t at = plan_.local_offset(s.tensor, index);
    const auto size = static_cast<uint64_t>(s.rows.size() * s.cols.size()) * elem;
    if (offset < at || offset + bytes > at + size) continue;
    HostBuffer& copy = copies_.emplace_back(bytes);
    std::memcpy(copy.data(), src, bytes);
    uint8_t* scales = copy.data();
    for (size_t j = elem; j < bytes; j += elem)
      if (std::memcmp(scales + j, scales, elem) != 0) {
        std::swap_ranges(scales, scales + elem, scales + j);  // two blocks exchange their scales
        return copy.data();
      }
    copies_.pop_back();
    return nullptr;
  }
  return nullptr;
}

Fault parse_fault(const std::string& text) {
  Fault f;
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  if (kind == "corrupt")
    f.kind = Fault::Kind::corrupt;
  else if (kind == "drop")
    f.kind = Fault::Kind::drop;
  else if (kind == "duplicate")
    f.kind = Fault::Kind::duplicate;
  else if (kind == "swap-scales")
    f.kind = Fault::Kind::swap_scales;
  else if (kind == "stall")
    f.kind = Fault::Kind::stall;
  else if (kind == "kill")
    f.kind = Fault::Kind::kill;
  else
    throw_usage("invalid --inject '" + text + "': unknown kind '" + kind +
                "' (corrupt, drop, duplicate, swap-scales, stall or kill)");
  if (colon == std::string::npos) return f;
  std::stringstream keys(text.substr(colon + 1));
  for (std::string item; std::getline(keys, item, ',');) {
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
    size_t used = 0;
    long n = -1;
    try {
      n = std::stol(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != value.size() || n < 0 || n > INT32_MAX)
      throw_usage("invalid --inject '" + text + "': '" + item + "' needs a non-negative integer (rank=R, step=S)");
    if (key == "rank")
      f.rank = static_cast<int>(n);
    else if (key == "step")
      f.step = static_cast<int32_t>(n);
    else
      throw_usage("invalid --inject '" + text + "': unknown key '" + key + "' (rank, step)");
  }
  return f;
}

std::optional<std::string> traffic_mismatch(int sender, const Traffic& sent, const Traffic& expected, const RankLayout& ranks,
                                            const std::string& source) {
  std::set<int> peers;
  for (const auto& [peer, bytes] : sent) peers.insert(peer);
  for (const auto& [peer, bytes] : expected) peers.insert(peer);
  auto at = [](const Traffic& t, int peer) {
    const auto it = t.find(peer);
    return it == t.end() ? uint64_t{0} : it->second;
  };
  for (int peer : peers) {
    const uint64_t got = at(sent, peer), want = at(expected, peer);
    if (got == want) continue;
    const std::string role = ranks.is_trainer(sender) ? "trainer" : "inference";
    return "traffic check failed: " + role + " rank " + std::to_string(sender) + " sent " + std::to_string(got) +
           " bytes to inference rank " + std::to_string(peer) + ", " + source + " " + std::to_string(want) +
           (got > want ? " (more: a duplicate or a wrong sender)" : " (fewer: a dropped or misdirected transfer)");
  }
  return std::nullopt;
}

}  // namespace wxfer
