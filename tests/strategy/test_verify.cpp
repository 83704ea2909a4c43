// Receiver-side verification. bf16: memory filled with each step's content passes; a stale
// step and a wrong byte are caught and named (tensor, byte range, inference rank, the trainer
// rank that sent them, step). fp8: against memory filled from the float64 reference quantizer
// (independent of the fast kernel the verifier uses): exact matches pass; a wrong fp8 byte, a
// wrong scale, and a stale step (bytes or scales alone) are each caught and named.
#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <map>
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

Quantized reference(const Tensor& t, uint32_t tensor, uint32_t step) {
  std::vector<uint16_t> bf16(t.numel());
  fill_weights(DType::bf16, tensor, 0, t.numel(), step, reinterpret_cast<uint8_t*>(bf16.data()));
  Quantized q;
  q.fp8.resize(t.numel());
  q.scales.resize(static_cast<size_t>(quant::scale_rows(t.rows) * quant::scale_cols(t.cols)));
  quant::quantize_reference({bf16.data(), t.rows, t.cols, t.cols},
                            {q.fp8.data(), t.cols, q.scales.data(), quant::scale_cols(t.cols)});
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
        fill_weights(t.dtype, d.source, static_cast<uint64_t>(r * t.cols + s.cols.lo), static_cast<uint64_t>(s.cols.size()), step,
                     out);
      continue;
    }
    if (d.conversion == Conversion::fp8_scale && what == Fill::weights_only) continue;
    if (!cache.contains(d.source)) cache[d.source] = reference(plan.trainer_model().tensors[d.source], d.source, step);
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

}  // namespace
}  // namespace wxfer
