// Plan invariants on randomised layouts: every byte an inference rank needs arrives
// exactly once, from a rank that holds it (or gathered it from the ranks that do).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "common/error.hpp"
#include "plan/plan.hpp"
#include "plan_fixtures.hpp"
#include "quant/fusion.hpp"

namespace wxfer {
namespace {

struct Case {
  Model model;
  TrainerLayout trainer;
  InferenceLayout inference;
  PlanOptions options;
};

std::string describe(const Case& c) {
  return c.model.name + " " + c.trainer.to_string() + " -> " + c.inference.to_string() +
         (c.options.inference_dtype == DType::bf16 ? " bf16" : " fp8") + " chunk=" + std::to_string(c.options.chunk_bytes) +
         " min_segment=" + std::to_string(c.options.min_segment_bytes);
}

void check_coverage(const Plan& plan, const std::string& what) {
  // (inference rank, slice) -> delivered byte intervals
  std::map<std::pair<int32_t, uint32_t>, std::vector<std::pair<uint64_t, uint64_t>>> got;
  for (const auto& seg : plan.segments()) {
    const Slice& s = plan.slices()[seg.slice];
    for (uint32_t k = 0; k < plan.copies(s); ++k)
      got[{plan.dest_rank(s, k), seg.slice}].push_back({seg.offset, seg.offset + seg.bytes});
  }
  size_t held = 0;
  for (int32_t r = 0; r < plan.inference_ranks(); ++r) {
    uint64_t expected_bytes = 0;
    for (uint32_t si : plan.slices_of(r)) {
      ++held;
      const Slice& s = plan.slices()[si];
      expected_bytes += s.bytes;
      auto it = got.find({r, si});
      ASSERT_NE(it, got.end()) << what << ": rank " << r << " never receives " << plan.dest_tensor(s.tensor).name;
      auto iv = it->second;
      std::sort(iv.begin(), iv.end());
      uint64_t at = 0;
      for (const auto& [lo, hi] : iv) {
        ASSERT_EQ(lo, at) << what << ": gap or overlap in " << plan.dest_tensor(s.tensor).name << " on rank " << r;
        at = hi;
      }
      ASSERT_EQ(at, s.bytes) << what << ": " << plan.dest_tensor(s.tensor).name << " incomplete on rank " << r;
    }
    EXPECT_EQ(plan.stats().bytes_in[static_cast<size_t>(r)], expected_bytes);
    EXPECT_EQ(plan.local_bytes(r), expected_bytes);
  }
  EXPECT_EQ(held, got.size()) << what << ": bytes sent to a rank that does not hold the slice";
}

void check_sources(const Plan& plan, const std::string& what) {
  for (const auto& seg : plan.segments()) {
    const Slice& s = plan.slices()[seg.slice];
    const uint32_t tensor = plan.dest()[s.tensor].source;
    const Placement& p = plan.trainer_placement()[tensor];
    const Tensor& t = plan.trainer_model().tensors[tensor];
    Range rows, cols;
    plan.source_box(s, seg.rows, rows, cols);
    const Range along = p.dim == Split::cols ? cols : rows;
    for (uint32_t k = 0; k < plan.copies(s); ++k) {
      const int32_t src = plan.source_rank(seg, k);
      ASSERT_GE(src, 0);
      ASSERT_LT(src, plan.trainer_ranks());
      // Which part of which copy does the sender hold?
      bool holds_all = false, holds_some = false;
      int32_t copy = -1;
      for (int32_t c = 0; c < p.copies; ++c)
        for (int32_t part = 0; part < p.parts; ++part) {
          if (p.rank(c, part) != src) continue;
          const Range r = p.part_range(part, p.extent(t));
          if (r.lo <= along.lo && along.hi <= r.hi) holds_all = true;
          if (std::max(r.lo, along.lo) < std::min(r.hi, along.hi)) holds_some = true, copy = c;
        }
      if (!seg.gather) {
        ASSERT_TRUE(holds_all) << what << ": rank " << src << " sends " << t.name << " rows [" << rows.lo << "," << rows.hi
                               << ") it does not hold";
        continue;
      }
      ASSERT_TRUE(holds_some) << what << ": gather owner " << src << " holds nothing of " << t.name;
      // Owner's piece plus the gathered inputs tile the source box along the cut dim.
      std::vector<std::pair<int64_t, int64_t>> pieces;
      for (const auto& in : plan.holders(tensor, rows, cols, copy)) {
        const Range r = p.dim == Split::cols ? in.cols : in.rows;
        pieces.push_back({r.lo, r.hi});
      }
      const auto inputs = plan.gather_inputs(seg, src);
      ASSERT_EQ(inputs.size() + 1, pieces.size()) << what;
      for (const auto& in : inputs) ASSERT_NE(in.rank, src);
      std::sort(pieces.begin(), pieces.end());
      int64_t at = along.lo;
      for (const auto& [lo, hi] : pieces) {
        ASSERT_EQ(lo, at) << what << ": gather of " << t.name << " misses rows";
        at = hi;
      }
      ASSERT_EQ(at, along.hi);
    }
  }
}

void check_order(const Plan& plan, const std::string& what) {
  std::vector<uint32_t> seen_copies(plan.segments().size(), 0);
  uint64_t bytes = 0;
  for (int32_t r = 0; r < plan.trainer_ranks(); ++r) {
    const Range range = plan.transfers_of(r);
    int64_t next = range.lo;
    for (const auto& c : plan.chunks_of(r)) {
      ASSERT_EQ(c.begin, next) << what;
      // What a sender stages for a chunk (each segment once) fits the chunk size, unless
      // the chunk is a single segment.
      bool one_segment = true;
      uint64_t unique_bytes = 0;
      for (uint32_t i = c.begin; i < c.end; ++i) {
        one_segment = one_segment && plan.transfers()[i].segment == plan.transfers()[c.begin].segment;
        if (i == c.begin || plan.transfers()[i].segment != plan.transfers()[i - 1].segment)
          unique_bytes += plan.segments()[plan.transfers()[i].segment].bytes;
      }
      ASSERT_TRUE(unique_bytes <= plan.options().chunk_bytes || one_segment) << what;
      if (c.begin > range.lo) {  // a chunk never starts in the middle of a segment's copies
        ASSERT_NE(plan.transfers()[c.begin].segment, plan.transfers()[c.begin - 1].segment) << what;
      }
      next = c.end;
    }
    ASSERT_EQ(next, range.hi);
    for (int64_t i = range.lo; i < range.hi; ++i) {
      const Transfer& x = plan.transfers()[static_cast<size_t>(i)];
      const Segment& seg = plan.segments()[x.segment];
      ASSERT_EQ(plan.source_rank(seg, x.copy), r);
      ++seen_copies[x.segment];
      bytes += seg.bytes;
      ASSERT_LE(seg.bytes, std::max<uint64_t>(plan.options().chunk_bytes, 128 * plan.slices()[seg.slice].cols.size() * 4));
    }
  }
  for (size_t i = 0; i < seen_copies.size(); ++i)
    ASSERT_EQ(seen_copies[i], plan.copies(plan.slices()[plan.segments()[i].slice])) << what;
  EXPECT_EQ(bytes, plan.stats().total_bytes);
}

void check_case(const Case& c) {
  const std::string what = describe(c);
  const Plan plan(c.model, c.trainer, c.inference, c.options);
  check_coverage(plan, what);
  check_sources(plan, what);
  check_order(plan, what);
}

TEST(PlanInvariants, RandomisedLayouts) {
  std::mt19937 rng(20261123);
  const Model models[] = {testing::tiny_deepseek(), testing::tiny_llama(), testing::tiny_qwen3_moe()};
  auto pick = [&](std::initializer_list<int32_t> xs) {
    return *(xs.begin() + std::uniform_int_distribution<size_t>(0, xs.size() - 1)(rng));
  };
  int checked = 0;
  for (int i = 0; i < 160; ++i) {
    Case c{models[static_cast<size_t>(i) % 3], {}, {}, {}};
    if (rng() % 2 == 0) {
      c.trainer.fsdp = pick({1, 2, 3, 5, 8, 16});
    } else {
      c.trainer.tp = pick({1, 2, 4});
      c.trainer.pp = pick({1, 2, 3});
      c.trainer.ep = pick({1, 2, 4});
    }
    c.inference.tp = pick({1, 2, 4});
    c.inference.ep = pick({1, 2, 4});
    c.inference.replicas = pick({1, 2, 3});
    if (c.inference.tp % c.inference.ep != 0) c.inference.ep = 1;
    c.options.inference_dtype = rng() % 2 ? DType::bf16 : DType::fp8_e4m3;
    c.options.chunk_bytes = static_cast<uint64_t>(pick({4096, 65536, 1 << 20}));
    c.options.min_segment_bytes = static_cast<uint64_t>(pick({0, 16384, 1 << 20}));
    try {
      check_case(c);
      ++checked;
    } catch (const UsageError&) {
      // Layouts that do not divide the model are rejected; counted below.
    }
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(checked, 100);
}

TEST(PlanInvariants, FsdpToTensorParallelFp8NeedsGathers) {
  // 7 fsdp ranks cut rows off the 128-row quantization blocks: senders must gather.
  Case c{testing::tiny_deepseek(), parse_trainer_layout("fsdp=7"), parse_inference_layout("tp=2,replicas=2"), {}};
  c.options.inference_dtype = DType::fp8_e4m3;
  c.options.min_segment_bytes = 0;
  check_case(c);
  const Plan plan(c.model, c.trainer, c.inference, c.options);
  EXPECT_GT(plan.stats().gather_segments, 0u);
  EXPECT_GT(plan.stats().max_gather_bytes_in, 0u);
}

// Every family's built-in mini under random layouts: the same invariants, including k/v heads
// replicated on more inference ranks than there are heads, and MXFP4 experts.
TEST(PlanInvariants, EveryFamilyUnderRandomLayouts) {
  std::mt19937 rng(20261207);
  const char* names[] = {"mixtral-mini", "glm-4.5-mini", "gpt-oss-mini", "qwen3-next-mini", "deepseek-v3.2-mini"};
  auto pick = [&](std::initializer_list<int32_t> xs) {
    return *(xs.begin() + std::uniform_int_distribution<size_t>(0, xs.size() - 1)(rng));
  };
  for (const char* name : names) {
    const Model model = load_model(name, DType::bf16);
    int checked = 0;
    for (int i = 0; i < 12; ++i) {
      Case c{model, {}, {}, {}};
      if (rng() % 2 == 0) {
        c.trainer.fsdp = pick({1, 3, 8});
      } else {
        c.trainer.tp = pick({1, 2});
        c.trainer.pp = pick({1, 2});
        c.trainer.ep = pick({1, 2, 4});
      }
      c.inference.tp = pick({1, 2, 4, 8});
      c.inference.ep = pick({1, 2});
      c.inference.replicas = pick({1, 2});
      const DType dtypes[] = {DType::bf16, DType::fp8_e4m3, DType::mxfp4};
      c.options.inference_dtype = dtypes[rng() % 3];
      c.options.fuse_projections = rng() % 2 == 0;
      c.options.chunk_bytes = static_cast<uint64_t>(pick({65536, 1 << 20}));
      try {
        check_case(c);
        ++checked;
      } catch (const UsageError&) {}
      if (HasFatalFailure()) return;
    }
    EXPECT_GT(checked, 6) << name;
  }
}

// No rule of a family's fusion table is dead: each fuses something in its mini model on one
// rank (tp=1) and on two (tp=2), so a misspelt piece name cannot pass unnoticed.
TEST(PlanFusion, EveryFamilyRuleFusesSomething) {
  for (const char* name : {"mixtral-mini", "glm-4.5-mini", "gpt-oss-mini", "qwen3-next-mini", "deepseek-v3.2-mini"}) {
    for (DType dtype : {DType::bf16, DType::fp8_e4m3, DType::mxfp4}) {
      PlanOptions options;
      options.inference_dtype = dtype;
      options.fuse_projections = true;
      for (const char* inference : {"tp=1", "tp=2"}) {
        const Plan plan(load_model(name, DType::bf16), parse_trainer_layout("fsdp=2"), parse_inference_layout(inference),
                        options);
        const auto fused = plan.fused_tensors(0);
        for (const auto& rule : quant::fusion_rules(plan.dest_model().config.architecture)) {
          const bool found =
              std::any_of(fused.begin(), fused.end(), [&](const FusedTensor& f) { return f.name.ends_with(rule.fused); });
          EXPECT_TRUE(found) << name << " " << dtype_name(dtype) << " " << inference << ": no " << rule.fused;
        }
      }
    }
  }
}

// Qwen3-Next keeps its MTP layer under "mtp.layers.0.": its projections fuse as the main
// layers' do.
TEST(PlanFusion, MtpLayersUnderTheirOwnPrefixFuse) {
  PlanOptions options;
  options.fuse_projections = true;
  const Plan plan(load_model("qwen3-next-mini", DType::bf16), parse_trainer_layout("fsdp=2"), parse_inference_layout("tp=2"),
                  options);
  std::vector<std::string> names;
  for (const auto& f : plan.fused_tensors(0)) names.push_back(f.name);
  for (const char* fused : {"mtp.layers.0.self_attn.qkv_proj.weight", "mtp.layers.0.mlp.experts.w13_weight",
                            "mtp.layers.0.mlp.shared_expert.gate_up_proj.weight"})
    EXPECT_NE(std::find(names.begin(), names.end(), fused), names.end()) << fused;
}

// MXFP4 experts as engines hold them: codes [rows, cols/2] and e8m0 scales [rows, cols/32]
// after each expert weight; the fused stacks' scales are named as vLLM names them.
TEST(PlanMxfp4, ExpertsLandAsCodesAndScales) {
  PlanOptions options;
  options.inference_dtype = DType::mxfp4;
  options.fuse_projections = true;
  const Plan plan(load_model("gpt-oss-mini", DType::bf16), parse_trainer_layout("fsdp=2"), parse_inference_layout("tp=2"),
                  options);
  const Model& dest = plan.dest_model();
  uint64_t codes = 0, scales = 0;
  for (uint32_t i = 0; i < dest.tensors.size(); ++i) {
    const Tensor& t = dest.tensors[i];
    const Tensor& src = plan.trainer_model().tensors[plan.dest()[i].source];
    if (t.dtype == DType::mxfp4) {
      ++codes;
      EXPECT_GE(src.expert, 0) << t.name;
      EXPECT_EQ(t.cols * 2, src.cols) << t.name;
      EXPECT_EQ(plan.dest()[i].conversion, Conversion::quantize_mxfp4);
    } else if (t.dtype == DType::e8m0) {
      ++scales;
      EXPECT_EQ(t.name, dest.tensors[i - 1].name + "_scale");
      EXPECT_EQ(t.cols * 32, src.cols) << t.name;
      EXPECT_EQ(plan.dest()[i].conversion, Conversion::mxfp4_scale);
    } else {
      EXPECT_EQ(plan.dest()[i].conversion, Conversion::copy) << t.name;
    }
  }
  EXPECT_EQ(codes, 2u * 8u * 2u);  // gate_up and down, 8 experts, 2 layers
  EXPECT_EQ(scales, codes);
  std::vector<std::string> names;
  for (const auto& f : plan.fused_tensors(0)) names.push_back(f.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "model.layers.1.mlp.experts.w13_weight_scale"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "model.layers.1.mlp.experts.w2_weight_scale"), names.end());
}

}  // namespace
}  // namespace wxfer
