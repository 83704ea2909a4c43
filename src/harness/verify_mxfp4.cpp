// Verification of MXFP4 experts: for each row of a slice the receiver regenerates the bf16
// source under its codes or scales (32 values a scale, two a code byte), quantizes it with
// the reference written from the definitions (independent of the senders' kernel), and
// compares the bytes it holds.
#include <vector>

#include "harness/inference_memory.hpp"
#include "harness/weights.hpp"
#include "quant/mxfp4.hpp"

namespace wxfer {

std::optional<VerifyFailure> InferenceMemory::verify_mxfp4(uint32_t si, uint32_t step) const {
  const Slice& s = plan_.slices()[si];
  const DestTensor& d = plan_.dest()[s.tensor];
  const Tensor& src = plan_.trainer_model().tensors[d.source];
  const bool codes = d.conversion == Conversion::quantize_mxfp4;
  const int64_t per_col = mxfp4_cols_per_dest_col(d.conversion);
  const Range cols{s.cols.lo * per_col, s.cols.hi * per_col};
  const auto width = static_cast<uint64_t>(s.cols.size());
  std::vector<uint16_t> bf16(static_cast<size_t>(cols.size()));
  std::vector<uint8_t> want(width);
  const uint8_t* got = data_ + offset_of(s);
  for (int64_t r = s.rows.lo; r < s.rows.hi; ++r, got += width) {
    fill_weights(update_, src.dtype, d.source, src.cols, static_cast<uint64_t>(r * src.cols + cols.lo),
                 static_cast<uint64_t>(cols.size()), step, reinterpret_cast<uint8_t*>(bf16.data()));
    quant::mxfp4::quantize_row_reference(bf16.data(), cols.size(), codes ? want.data() : nullptr, codes ? nullptr : want.data());
    if (auto f = row_mismatch(si, r, got, want.data(), width)) return f;
  }
  return std::nullopt;
}

}  // namespace wxfer
