// Element types that travel: what a bf16 trainer holds and the FP8 checkpoint layout.
#pragma once

#include <cstdint>
#include <string_view>

namespace wxfer {

// mxfp4 and e8m0 only describe checkpoints (gpt-oss): a byte of mxfp4 holds two fp4 e2m1
// values, and each 32-value block has one e8m0 (power-of-two) scale byte; safetensors calls
// both U8.
enum class DType : uint8_t { bf16, f32, fp8_e4m3, mxfp4, e8m0 };

size_t dtype_size(DType t);
std::string_view dtype_name(DType t);  // "bf16", "f32", "fp8_e4m3", "mxfp4", "e8m0"
// Parses "bf16", "fp8" or "mxfp4" (the layouts a user can ask for); `what` names the option,
// `expected` what the message says it takes.
DType parse_inventory_dtype(std::string_view text, std::string_view what, std::string_view expected = "bf16, fp8 or mxfp4");
// The name a user gives a layout: "bf16", "fp8" or "mxfp4".
std::string_view layout_name(DType t);

// The FP8 checkpoint quantizes 128x128 blocks, each with one float32 scale.
inline constexpr int64_t kFp8Block = 128;
// MXFP4 scales 32-value blocks, stored as 16 bytes.
inline constexpr int64_t kMxfp4Block = 32;

}  // namespace wxfer
