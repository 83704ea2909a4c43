// `wxfer bench-quant`: CPU bf16 -> fp8 block quantization throughput next to single-core
// memcpy bandwidth measured in the same run (the target: quantization >= 50% of memcpy).
#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <random>
#include <vector>

#include "commands.hpp"
#include "common/error.hpp"
#include "common/stats.hpp"
#include "common/units.hpp"
#include "quant/bf16.hpp"
#include "quant/block_quant.hpp"

namespace wxfer::cli {
namespace {

struct BenchQuantArgs {
  int64_t rows = 7168;
  int64_t cols = 7168;
  int repeat = 9;
};

template <typename F>
double median_seconds(int repeat, F&& run) {
  run();  // warm-up: first touch of the pages, clones resolved, caches in a steady state
  std::vector<double> times;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(times);
}

void run_bench_quant(const BenchQuantArgs& a) {
  if (a.rows <= 0 || a.cols <= 0) throw_usage("--rows and --cols must be positive");
  if (a.repeat <= 0) throw_usage("--repeat must be positive");
  const auto n = static_cast<size_t>(a.rows * a.cols);
  std::vector<uint16_t> src(n);
  std::mt19937 gen(1);
  std::normal_distribution<float> weights(0.0f, 0.02f);  // the spread of trained linear weights
  for (auto& x : src) x = quant::float_to_bf16(weights(gen));
  std::vector<uint16_t> copy(n);
  std::vector<uint8_t> fp8(n);
  std::vector<float> scales(static_cast<size_t>(quant::scale_rows(a.rows) * quant::scale_cols(a.cols)));

  const double bytes = static_cast<double>(n * sizeof(uint16_t));
  const double memcpy_s = median_seconds(a.repeat, [&] { std::memcpy(copy.data(), src.data(), n * sizeof(uint16_t)); });
  const quant::Bf16Region region{src.data(), a.rows, a.cols, a.cols};
  const quant::Fp8Output out{fp8.data(), a.cols, scales.data(), quant::scale_cols(a.cols)};
  const double quant_s = median_seconds(a.repeat, [&] { quant::quantize(region, out); });

  const double memcpy_bw = bytes / memcpy_s, quant_bw = bytes / quant_s;
  std::cout << "source: " << a.rows << " x " << a.cols << " bf16 (" << format_bytes(bytes) << "), median of " << a.repeat
            << " runs, one core\n"
            << "memcpy:       " << format_bytes(memcpy_bw) << "/s\n"
            << "quantization: " << format_bytes(quant_bw) << "/s of bf16 in\n"
            << "ratio:        " << static_cast<int>(100.0 * quant_bw / memcpy_bw + 0.5) << "% (target >= 50%)\n";
}

void add_bench_quant_command(CLI::App& app) {
  auto args = std::make_shared<BenchQuantArgs>();
  auto* cmd = app.add_subcommand("bench-quant", "Measure CPU bf16 -> fp8 block quantization against memcpy");
  cmd->add_option("--rows", args->rows, "Rows of the bf16 source tensor")->capture_default_str();
  cmd->add_option("--cols", args->cols, "Columns of the bf16 source tensor")->capture_default_str();
  cmd->add_option("--repeat", args->repeat, "Timed runs of each; the median is reported")->capture_default_str();
  cmd->callback([args] { run_bench_quant(*args); });
}

const CommandRegistrar registrar{"bench-quant", 60, add_bench_quant_command};

}  // namespace
}  // namespace wxfer::cli
