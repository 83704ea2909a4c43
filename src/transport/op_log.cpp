#include "transport/op_log.hpp"

#include <bit>

namespace wxfer {

std::string_view op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::put:
      return "put";
    case OpKind::send:
      return "send";
    case OpKind::recv:
      return "recv";
    case OpKind::broadcast:
      return "broadcast";
  }
  return "?";
}

size_t op_size_class(uint64_t bytes) {
  if (bytes <= 1) return 0;
  const size_t c = static_cast<size_t>(std::bit_width(bytes)) - 1;
  return c < kOpSizeClasses ? c : kOpSizeClasses - 1;
}

std::vector<OpCount> OpLog::take() {
  std::vector<OpCount> out;
  for (size_t k = 0; k < kOpKinds; ++k)
    for (size_t c = 0; c < kOpSizeClasses; ++c) {
      Cell& cell = cells_[k][c];
      if (cell.ops == 0) continue;
      out.push_back({static_cast<OpKind>(k), static_cast<uint8_t>(c), cell.ops, cell.bytes});
      cell = {};
    }
  return out;
}

}  // namespace wxfer
