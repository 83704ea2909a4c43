// Reads a `wxfer sweep` output back and checks its shape: kind `sweep`, one run group per
// (rank count, bucket size, strategy) in that order, labelled "<strategy>@np=N,bucket=B",
// numeric params that match the label, each group's own ranks table with its job's ranks,
// and every step verified. Usage: check_sweep_file FILE NP,NP BUCKET,BUCKET STRATEGY,...
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "common/units.hpp"
#include "record/run_file.hpp"

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) items.push_back(item);
  return items;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: check_sweep_file FILE NP,NP BUCKET,BUCKET STRATEGY,...\n");
    return 2;
  }
  int failures = 0;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) {
      std::fprintf(stderr, "check_sweep_file: %s\n", what.c_str());
      ++failures;
    }
  };
  wxfer::RunFile f;
  try {
    f = wxfer::read_run_file(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "check_sweep_file: %s\n", e.what());
    return 1;
  }
  const auto nps = split(argv[2]), buckets = split(argv[3]), strategies = split(argv[4]);
  expect(f.kind == "sweep", "kind is " + f.kind);
  expect(f.config.contains("sweep") && f.config["sweep"]["np"].size() == nps.size(), "config has no sweep lists");
  expect(f.config.contains("merged") && f.config["merged"].size() == nps.size() * buckets.size(),
         "config does not list every merged job");
  const size_t expected = nps.size() * buckets.size() * strategies.size();
  expect(f.runs.size() == expected, "has " + std::to_string(f.runs.size()) + " run groups, expected " + std::to_string(expected));
  size_t i = 0;
  for (const auto& np : nps)
    for (const auto& bucket : buckets)
      for (const auto& strategy : strategies) {
        if (i >= f.runs.size()) break;
        const wxfer::StrategyRun& run = f.runs[i++];
        const std::string label = strategy + "@np=" + np + ",bucket=" + bucket;
        expect(run.label == label, "run group " + std::to_string(i) + " is '" + run.label + "', expected '" + label + "'");
        expect(run.strategy == strategy, label + ": strategy is " + run.strategy);
        expect(run.params.value("ranks", 0) == std::stoi(np), label + ": params.ranks is not " + np);
        expect(run.params.contains("chunk_bytes") && run.params["chunk_bytes"].is_number(), label + ": no chunk_bytes");
        if (strategy == "broadcast")
          expect(run.params.value("bucket_bytes", uint64_t{0}) == wxfer::parse_bytes(bucket, "bucket"),
                 label + ": params.bucket_bytes does not match the label");
        expect(static_cast<int>(run.ranks.size()) == std::stoi(np),
               label + ": own ranks table has " + std::to_string(run.ranks.size()) + " rows");
        expect(&wxfer::ranks_of(f, run) == &run.ranks, label + ": ranks_of does not pick the run's own table");
        expect(!run.steps.empty(), label + ": no steps");
        for (const auto& s : run.steps) expect(s.verified == 1, label + ": a step was not verified");
      }
  if (failures == 0) std::printf("check_sweep_file: %zu run groups ok\n", f.runs.size());
  return failures == 0 ? 0 : 1;
}
