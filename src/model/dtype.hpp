// Element types that travel: what a bf16 trainer holds and the FP8 checkpoint layout.
#pragma once

#include <cstdint>
#include <string_view>

namespace wxfer {

enum class DType : uint8_t { bf16, f32, fp8_e4m3 };

size_t dtype_size(DType t);
std::string_view dtype_name(DType t);  // "bf16", "f32", "fp8_e4m3"
// Parses "bf16" or "fp8" (the two inventories a user can ask for); `what` names the option.
DType parse_inventory_dtype(std::string_view text, std::string_view what);

// The FP8 checkpoint quantizes 128x128 blocks, each with one float32 scale.
inline constexpr int64_t kFp8Block = 128;

}  // namespace wxfer
