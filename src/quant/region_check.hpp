// Shape checks shared by the quantization entry points (internal to wxfer_quant).
#pragma once

#include "common/error.hpp"
#include "quant/block_quant.hpp"

namespace wxfer::quant::detail {

// A malformed region is a caller bug, not user input: SystemError via WXFER_ASSERT.
inline void check_region(Bf16Region src, Fp8Output out) {
  WXFER_ASSERT(src.rows >= 0 && src.cols >= 0 && src.stride >= src.cols);
  WXFER_ASSERT(out.fp8_stride >= src.cols && out.scale_stride >= scale_cols(src.cols));
  WXFER_ASSERT(src.rows * src.cols == 0 || (src.data && out.fp8 && out.scales));
}

}  // namespace wxfer::quant::detail
