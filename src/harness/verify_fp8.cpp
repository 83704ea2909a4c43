// Verification of the FP8 checkpoint layout: for each 128-row band of a slice the receiver
// regenerates the bf16 source of every block the slice touches (whole blocks, since a block's
// scale depends on all of it), quantizes it with the float64 reference quantizer (written
// from the definitions, independent of the senders' fast kernels), and compares the fp8
// bytes or float32 scales it holds.
#include <cstring>
#include <vector>

#include "harness/inference_memory.hpp"
#include "harness/weights.hpp"
#include "quant/block_quant.hpp"

namespace wxfer {

std::optional<VerifyFailure> InferenceMemory::verify_fp8(uint32_t si, uint32_t step) const {
  const Slice& s = plan_.slices()[si];
  const Tensor& t = plan_.dest_tensor(s.tensor);
  const DestTensor& d = plan_.dest()[s.tensor];
  const Tensor& src = plan_.trainer_model().tensors[d.source];
  const bool scales_only = d.conversion == Conversion::fp8_scale;
  const int64_t block = quant::kBlock;
  // Source columns: whole blocks around the slice's fp8 columns, or under its scale columns.
  const Range cols = scales_only ? Range{s.cols.lo * block, std::min(src.cols, s.cols.hi * block)}
                                 : Range{s.cols.lo / block * block, std::min(src.cols, (s.cols.hi + block - 1) / block * block)};
  const int64_t width = cols.size(), grid_cols = quant::scale_cols(width);
  std::vector<uint16_t> bf16(static_cast<size_t>(block * width));
  std::vector<uint8_t> fp8(static_cast<size_t>(block * width));
  std::vector<float> scales(static_cast<size_t>(grid_cols));
  const size_t elem = dtype_size(t.dtype);
  const auto slice_row = static_cast<uint64_t>(s.cols.size()) * elem;
  const uint8_t* held = data_ + offset_of(s);

  // Bands of 128 source rows; a scale slice has one of its rows per band.
  const int64_t first_band = scales_only ? s.rows.lo : s.rows.lo / block;
  const int64_t last_band = scales_only ? s.rows.hi : (s.rows.hi + block - 1) / block;
  for (int64_t band = first_band; band < last_band; ++band) {
    const Range rows{band * block, std::min(src.rows, (band + 1) * block)};
    for (int64_t r = rows.lo; r < rows.hi; ++r)
      fill_weights(update_, src.dtype, d.source, src.cols, static_cast<uint64_t>(r * src.cols + cols.lo),
                   static_cast<uint64_t>(width), step, reinterpret_cast<uint8_t*>(bf16.data() + (r - rows.lo) * width));
    const quant::Bf16Region region{bf16.data(), rows.size(), width, width};
    quant::quantize_reference(region, {fp8.data(), width, scales.data(), grid_cols});
    if (scales_only) {
      const uint8_t* got = held + static_cast<uint64_t>(band - s.rows.lo) * slice_row;
      if (std::memcmp(got, scales.data(), slice_row) != 0) {
        const uint64_t first = static_cast<uint64_t>(band * t.cols + s.cols.lo) * elem;
        return failure(si, band, first, first + slice_row);
      }
      continue;
    }
    const Range mine{std::max(rows.lo, s.rows.lo), std::min(rows.hi, s.rows.hi)};
    for (int64_t r = mine.lo; r < mine.hi; ++r) {
      const uint8_t* got = held + static_cast<uint64_t>(r - s.rows.lo) * slice_row;
      const uint8_t* want = fp8.data() + (r - rows.lo) * width + (s.cols.lo - cols.lo);
      if (auto f = row_mismatch(si, r, got, want, slice_row)) return f;
    }
  }
  return std::nullopt;
}

}  // namespace wxfer
