// What a backend issued: one count per call it made into its library or hardware (an
// MPI_Put, an MPI_Isend, an RDMA WRITE work request, an NCCL call, a CUDA copy, a direct
// copy of one box into shared memory), by kind and by size class, so that a run shows the
// shape of its traffic (a million 256-byte puts and sixty 8 MiB ones move the same bytes).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace wxfer {

enum class OpKind : uint8_t { put, send, recv, broadcast };
inline constexpr size_t kOpKinds = 4;
std::string_view op_kind_name(OpKind kind);

// Size classes: class c holds operations of [2^c, 2^(c+1)) bytes (class 0 also holds 0 B).
inline constexpr size_t kOpSizeClasses = 48;
size_t op_size_class(uint64_t bytes);

// One (kind, size class) with what was issued in it.
struct OpCount {
  OpKind kind = OpKind::put;
  uint8_t size_class = 0;
  uint64_t ops = 0;
  uint64_t bytes = 0;
};

// Counted on the thread that calls the transport (the one that calls MPI).
class OpLog {
 public:
  void count(OpKind kind, uint64_t bytes, uint64_t ops = 1) {
    Cell& c = cells_[static_cast<size_t>(kind)][op_size_class(ops > 0 ? bytes / ops : 0)];
    c.ops += ops;
    c.bytes += bytes;
  }
  // Everything counted since the last take(), non-empty cells only; starts afresh.
  std::vector<OpCount> take();

 private:
  struct Cell {
    uint64_t ops = 0, bytes = 0;
  };
  std::array<std::array<Cell, kOpSizeClasses>, kOpKinds> cells_{};
};

}  // namespace wxfer
