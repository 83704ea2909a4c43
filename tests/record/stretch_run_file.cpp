// stretch_run_file IN OUT LABEL FACTOR: copies a run file with one run group's steps (and
// their events) made FACTOR times longer, as if that strategy alone had become slower. The
// regression-gate tests feed it to the gate to show that a given slowdown cannot pass.
#include <cstdlib>
#include <iostream>
#include <string>

#include "record/run_file.hpp"
#include "sample_runs.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: stretch_run_file IN OUT LABEL FACTOR\n";
    return 2;
  }
  try {
    wxfer::RunFile f = wxfer::read_run_file(argv[1]);
    const std::string label = argv[3];
    const double factor = std::stod(argv[4]);
    bool found = false;
    for (auto& run : f.runs)
      if (run.label == label) {
        wxfer::testing::stretch_run(run, factor);
        found = true;
      }
    if (!found) {
      std::cerr << "stretch_run_file: no run '" << label << "' in " << argv[1] << "\n";
      return 2;
    }
    wxfer::write_run_file(f, argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "stretch_run_file: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
