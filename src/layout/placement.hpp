// Where each tensor lives under a layout: how it is cut and which ranks hold which part.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "layout/layout.hpp"
#include "model/model.hpp"

namespace wxfer {

struct Range {
  int64_t lo = 0;
  int64_t hi = 0;
  int64_t size() const { return hi > lo ? hi - lo : 0; }
  bool empty() const { return hi <= lo; }
};

// A tensor is held as `copies` full copies, each cut into `parts` along `dim`
// (parts == 1: whole). Part p of copy c lives on rank base + c*copy_stride + p*part_stride.
struct Placement {
  Split dim = Split::replicated;
  int32_t parts = 1;
  int64_t chunk = 0;  // extent of one part along dim; the last part may be shorter or empty
  int32_t copies = 1;
  int32_t base = 0;
  int32_t copy_stride = 0;
  int32_t part_stride = 0;

  int32_t rank(int32_t copy, int32_t part) const { return base + copy * copy_stride + part * part_stride; }
  int64_t extent(const Tensor& t) const { return dim == Split::cols ? t.cols : t.rows; }
  Range part_range(int32_t part, int64_t extent) const {
    if (parts == 1) return {0, extent};
    const int64_t lo = std::min<int64_t>(int64_t{part} * chunk, extent);
    return {lo, std::min<int64_t>(lo + chunk, extent)};
  }
  // The copy a rank's part belongs to (0 when the rank holds no part).
  int32_t copy_of(int32_t r) const {
    for (int32_t c = 0; c < copies; ++c) {
      const int32_t offset = r - base - c * copy_stride;
      if (offset >= 0 && offset < parts * std::max(part_stride, 1) &&
          (part_stride == 0 ? offset == 0 : offset % part_stride == 0))
        return c;
    }
    return 0;
  }
  // The part a rank holds, or -1 when it holds none.
  int32_t part_of_rank(int32_t r) const {
    const int32_t c = copy_of(r);
    const int32_t offset = r - base - c * copy_stride;
    if (part_stride == 0) return offset == 0 ? 0 : -1;
    if (offset < 0 || offset % part_stride != 0 || offset / part_stride >= parts) return -1;
    return offset / part_stride;
  }
  // The part along `dim` that holds index i.
  int32_t part_of(int64_t i) const { return parts == 1 ? 0 : static_cast<int32_t>(i / chunk); }
};

// One placement per tensor of a bf16 inventory; ranks are trainer ranks 0..T-1.
// Throws a UsageError when the layout does not fit the model.
std::vector<Placement> place_trainer(const Model& model, const TrainerLayout& layout);

// One placement per tensor; ranks are positions 0..tp-1 inside one inference replica.
// Throws a UsageError when tp or ep does not divide heads, experts, vocab or a cut dimension.
std::vector<Placement> place_inference(const Model& model, const InferenceLayout& layout);

// The pipeline stage that holds a tensor under `pp` stages (embeddings first, head and MTP last).
int32_t pipeline_stage(const Tensor& t, const ModelConfig& config, int32_t pp);

}  // namespace wxfer
