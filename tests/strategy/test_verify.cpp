// Receiver-side verification. bf16: memory filled with each step's content passes; a stale
// step and a wrong byte are caught and named (tensor, byte range, inference rank, the trainer
// rank that sent them, step). fp8: against memory filled by the fast CPU kernel (the senders'
// code; the verifier uses the float64 reference): exact matches pass; a wrong fp8 byte, a
// wrong scale, a stale step (bytes or scales alone, one or two versions back), and scales
// that are permuted, transposed or borrowed from another tensor are each caught.
#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/inference_memory.hpp"
#include "harness/weights.hpp"
#include "layout/layout.hpp"
#include "plan/plan_fixtures.hpp"
#include "quant/block_quant.hpp"

namespace wxfer {
namespace {

Plan plan_for(const char* inference, DType dtype) {
  PlanOptions o;
  o.inference_dtype = dtype;
  o.chunk_bytes = 64 << 10;
  return Plan(testing::tiny_deepseek(), parse_trainer_layout("fsdp=2"), parse_inference_layout(inference), o);
}

Plan fp8_plan(const char* inference) { return plan_for(inference, DType::fp8_e4m3); }
Plan bf16_plan(const char* inference) { return plan_for(inference, DType::bf16); }

// A whole trainer tensor quantized by the reference: fp8 bytes and its scale grid.
struct Quantized {
  std::vector<uint8_t> fp8;
  std::vector<float> scales;
};

// A whole trainer tensor quantized as a sender does (the fast kernel).
Quantized sent(const Tensor& t, uint32_t tensor, uint32_t step) {
  std::vector<uint16_t> bf16(t.numel());
  fill_weights(DType::bf16, tensor, t.cols, 0, t.numel(), step, reinterpret_cast<uint8_t*>(bf16.data()));
  Quantized q;
  q.fp8.resize(t.numel());
  q.scales.resize(static_cast<size_t>(quant::scale_rows(t.rows) * quant::scale_cols(t.cols)));
  quant::quantize({bf16.data(), t.rows, t.cols, t.cols}, {q.fp8.data(), t.cols, q.scales.data(), quant::scale_cols(t.cols)});
  return q;
}

enum class Fill { all, weights_only };

// Writes what rank `rank` should hold at `step` (scales left alone with weights_only).
void fill(const Plan& plan, InferenceMemory& memory, int32_t rank, uint32_t step, Fill what = Fill::all) {
  std::map<uint32_t, Quantized> cache;
  for (uint32_t si : plan.slices_of(rank)) {
    const Slice& s = plan.slices()[si];
    const Tensor& t = plan.dest_tensor(s.tensor);
    const DestTensor& d = plan.dest()[s.tensor];
    const size_t elem = dtype_size(t.dtype);
    uint8_t* out = memory.data() + memory.offset_of(s);
    const auto row = static_cast<uint64_t>(s.cols.size()) * elem;
    if (d.conversion == Conversion::copy) {
      for (int64_t r = s.rows.lo; r < s.rows.hi; ++r, out += row)
        fill_weights(t.dtype, d.source, t.cols, static_cast<uint64_t>(r * t.cols + s.cols.lo),
                     static_cast<uint64_t>(s.cols.size()), step, out);
      continue;
    }
    if (d.conversion == Conversion::fp8_scale && what == Fill::weights_only) continue;
    if (!cache.contains(d.source)) cache[d.source] = sent(plan.trainer_model().tensors[d.source], d.source, step);
    const Quantized& q = cache[d.source];
    for (int64_t r = s.rows.lo; r < s.rows.hi; ++r, out += row) {
      if (d.conversion == Conversion::quantize_fp8)
        std::memcpy(out, q.fp8.data() + r * t.cols + s.cols.lo, row);
      else
        std::memcpy(out, q.scales.data() + r * t.cols + s.cols.lo, row);
    }
  }
}

uint64_t first_slice_of(const Plan& plan, int32_t rank, Conversion c) {
  for (uint32_t si : plan.slices_of(rank))
    if (plan.dest()[plan.slices()[si].tensor].conversion == c) return si;
  ADD_FAILURE() << "no such slice";
  return 0;
}

// Every inference rank of every layout, filled with step `step`'s content, verifies clean.
void expect_every_rank_passes(DType dtype, std::initializer_list<const char*> layouts, uint32_t step) {
  for (const char* layout : layouts) {
    const Plan plan = plan_for(layout, dtype);
    for (int32_t rank = 0; rank < plan.inference_ranks(); ++rank) {
      InferenceMemory memory(plan, rank);
      fill(plan, memory, rank, step);
      const auto f = memory.verify(step);
      EXPECT_FALSE(f) << layout << " rank " << rank << ": " << f->describe(step);
    }
  }
}

TEST(VerifyBf16, EachStepsContentPassesOnEveryRankAndLayout) {
  expect_every_rank_passes(DType::bf16, {"tp=1", "tp=2", "tp=4", "tp=2,ep=2"}, 3);
}

TEST(VerifyBf16, StaleStepIsCaughtAndNamed) {
  const Plan plan = bf16_plan("tp=2");
  InferenceMemory memory(plan, 1);
  fill(plan, memory, 1, 3);
  const auto f = memory.verify(4);
  ASSERT_TRUE(f);
  const std::string what = f->describe(4);
  EXPECT_NE(what.find("verification failed at step 4: " + f->tensor + " bytes ["), std::string::npos) << what;
  EXPECT_NE(what.find("on inference rank 1 (sent by trainer rank "), std::string::npos) << what;
}

// One flipped byte: the failure names that tensor, a range holding just that byte (in the
// full tensor, row-major) and the trainer rank the plan sends those rows from.
TEST(VerifyBf16, WrongByteIsNamedWithItsRangeAndSource) {
  const Plan plan = bf16_plan("tp=2");
  for (int32_t rank = 0; rank < plan.inference_ranks(); ++rank) {
    InferenceMemory memory(plan, rank);
    fill(plan, memory, rank, 3);
    // The last slice of the rank, second row, fifth byte (a column cut where tp splits dim 1).
    const uint32_t si = plan.slices_of(rank).back();
    const Slice& s = plan.slices()[si];
    const Tensor& t = plan.dest_tensor(s.tensor);
    const uint64_t elem = dtype_size(t.dtype), row_bytes = static_cast<uint64_t>(s.cols.size()) * elem;
    const int64_t row = s.rows.size() > 1 ? s.rows.lo + 1 : s.rows.lo;
    const uint64_t at = static_cast<uint64_t>(row - s.rows.lo) * row_bytes + std::min<uint64_t>(4, row_bytes - 1);
    memory.data()[memory.offset_of(s) + at] ^= 0x10;
    const auto f = memory.verify(3);
    ASSERT_TRUE(f) << "rank " << rank;
    const uint64_t flipped = static_cast<uint64_t>(row * t.cols + s.cols.lo) * elem + at % row_bytes;
    EXPECT_EQ(f->tensor, t.name);
    EXPECT_EQ(f->byte_lo, flipped);
    EXPECT_EQ(f->byte_hi, flipped + 1);
    EXPECT_EQ(f->inference_rank, rank);
    int32_t source = -1;
    for (const auto& seg : plan.segments())
      if (seg.slice == si && row >= seg.rows.lo && row < seg.rows.hi)
        for (uint32_t k = 0; k < plan.copies(s); ++k)
          if (plan.dest_rank(s, k) == rank) source = plan.source_rank(seg, k);
    EXPECT_GE(source, 0);
    EXPECT_EQ(f->expected_source, source);
  }
}

TEST(VerifyFp8, ReferenceQuantizationPassesOnEveryRankAndLayout) {
  expect_every_rank_passes(DType::fp8_e4m3, {"tp=1", "tp=2", "tp=4"}, 5);
}

TEST(VerifyFp8, StaleStepIsCaught) {
  const Plan plan = fp8_plan("tp=2");
  InferenceMemory memory(plan, 1);
  fill(plan, memory, 1, 5);
  EXPECT_TRUE(memory.verify(6));
}

TEST(VerifyFp8, StaleScalesAloneAreCaught) {
  const Plan plan = fp8_plan("tp=2");
  InferenceMemory memory(plan, 0);
  fill(plan, memory, 0, 5);
  fill(plan, memory, 0, 6, Fill::weights_only);  // every byte but the scales is step 6's
  const auto f = memory.verify(6);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->tensor.ends_with("weight_scale_inv")) << f->tensor;
}

TEST(VerifyFp8, WrongFp8ByteIsNamed) {
  const Plan plan = fp8_plan("tp=2");
  InferenceMemory memory(plan, 0);
  fill(plan, memory, 0, 5);
  const Slice& s = plan.slices()[first_slice_of(plan, 0, Conversion::quantize_fp8)];
  memory.data()[memory.offset_of(s) + 3] ^= 0x01;
  const auto f = memory.verify(5);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tensor, plan.dest_tensor(s.tensor).name);
  EXPECT_EQ(f->byte_lo, static_cast<uint64_t>(s.rows.lo * plan.dest_tensor(s.tensor).cols + s.cols.lo) + 3);
  EXPECT_EQ(f->byte_hi, f->byte_lo + 1);
}

TEST(VerifyFp8, WrongScaleIsNamed) {
  const Plan plan = fp8_plan("tp=2");
  InferenceMemory memory(plan, 1);
  fill(plan, memory, 1, 5);
  const Slice& s = plan.slices()[first_slice_of(plan, 1, Conversion::fp8_scale)];
  memory.data()[memory.offset_of(s)] ^= 0x01;  // lowest mantissa bit of the first scale
  const auto f = memory.verify(5);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tensor, plan.dest_tensor(s.tensor).name);
}

// The scale slices rank 0 of tp=1 holds: whole grids, one per fp8 tensor.
std::vector<const Slice*> whole_scale_grids(const Plan& plan) {
  std::vector<const Slice*> out;
  for (uint32_t si : plan.slices_of(0))
    if (plan.dest()[plan.slices()[si].tensor].conversion == Conversion::fp8_scale) out.push_back(&plan.slices()[si]);
  return out;
}

float* scales_at(InferenceMemory& memory, const Slice& s) {
  return reinterpret_cast<float*>(memory.data() + memory.offset_of(s));
}

// Fills version 5, applies `tamper` to one grid of at least `min_entries` entries, and
// expects verification to fail on that scale tensor. Returns false if no grid qualified.
template <class Tamper>
bool tampered_grid_fails(size_t min_entries, Tamper&& tamper, bool want_square = false) {
  const Plan plan = fp8_plan("tp=1");
  for (const Slice* s : whole_scale_grids(plan)) {
    const auto rows = static_cast<size_t>(s->rows.size()), cols = static_cast<size_t>(s->cols.size());
    if (rows * cols < min_entries || (want_square && rows != cols)) continue;
    InferenceMemory memory(plan, 0);
    fill(plan, memory, 0, 5);
    if (!tamper(scales_at(memory, *s), rows, cols, plan, memory)) continue;
    const auto f = memory.verify(5);
    EXPECT_TRUE(f) << plan.dest_tensor(s->tensor).name << ": tampered scales passed";
    if (f) {
      EXPECT_EQ(f->tensor, plan.dest_tensor(s->tensor).name);
    }
    return true;
  }
  return false;
}

// What the generator promises the scale check: every block's scale differs from the same
// block's one and two versions back, and within a grid not every block has the same scale.
TEST(WeightScales, DifferPerBlockAndPerVersion) {
  const Plan plan = fp8_plan("tp=1");
  int grids = 0;
  for (const Slice* s : whole_scale_grids(plan)) {
    const uint32_t source = plan.dest()[s->tensor].source;
    const Tensor& t = plan.trainer_model().tensors[source];
    const Quantized now = sent(t, source, 5), one_back = sent(t, source, 4), two_back = sent(t, source, 3);
    for (size_t i = 0; i < now.scales.size(); ++i) {
      EXPECT_NE(now.scales[i], one_back.scales[i]) << t.name << " block " << i;
      EXPECT_NE(now.scales[i], two_back.scales[i]) << t.name << " block " << i;
    }
    if (now.scales.size() >= 4) {
      EXPECT_GT(std::set<float>(now.scales.begin(), now.scales.end()).size(), 1u) << t.name;
      ++grids;
    }
  }
  EXPECT_GT(grids, 5) << "the model should have several multi-block grids";
}

TEST(VerifyFp8, ScalesTwoVersionsBackAreCaught) {
  const Plan plan = fp8_plan("tp=2");
  InferenceMemory memory(plan, 0);
  fill(plan, memory, 0, 5);
  fill(plan, memory, 0, 7, Fill::weights_only);
  const auto f = memory.verify(7);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->tensor.ends_with("weight_scale_inv")) << f->tensor;
}

TEST(VerifyFp8, PermutedScalesAreCaught) {
  EXPECT_TRUE(tampered_grid_fails(2, [](float* g, size_t rows, size_t cols, const Plan&, InferenceMemory&) {
    for (size_t i = 1; i < rows * cols; ++i)
      if (g[i] != g[0]) {
        std::swap(g[0], g[i]);  // two blocks exchange their scales
        return true;
      }
    return false;
  })) << "no grid with two different scales";
}

TEST(VerifyFp8, TransposedScaleGridIsCaught) {
  EXPECT_TRUE(tampered_grid_fails(4, [](float* g, size_t rows, size_t cols, const Plan&, InferenceMemory&) {
    if (rows < 2 || cols < 2) return false;
    std::vector<float> t(rows * cols);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) t[c * rows + r] = g[r * cols + c];  // the grid read column-major
    std::copy(t.begin(), t.end(), g);
    return true;
  })) << "no grid of at least 2 x 2 blocks";
}

TEST(VerifyFp8, ScalesOfAnotherTensorAreCaught) {
  const Plan plan = fp8_plan("tp=1");
  const auto grids = whole_scale_grids(plan);
  bool tried = false;
  for (const Slice* a : grids)
    for (const Slice* b : grids) {
      if (tried || a == b || a->rows.size() != b->rows.size() || a->cols.size() != b->cols.size()) continue;
      InferenceMemory memory(plan, 0);
      fill(plan, memory, 0, 5);
      const auto bytes = static_cast<size_t>(a->rows.size() * a->cols.size()) * sizeof(float);
      std::memcpy(scales_at(memory, *a), scales_at(memory, *b), bytes);  // a borrows b's grid
      const auto f = memory.verify(5);
      ASSERT_TRUE(f) << plan.dest_tensor(a->tensor).name << " passed with " << plan.dest_tensor(b->tensor).name << "'s scales";
      EXPECT_EQ(f->tensor, plan.dest_tensor(a->tensor).name);
      tried = true;
    }
  EXPECT_TRUE(tried) << "no two scale grids of the same shape";
}

}  // namespace
}  // namespace wxfer
