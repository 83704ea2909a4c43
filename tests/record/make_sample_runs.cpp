// Writes the files the CLI and plot tests read, into the directory given:
// base.h5 / same.h5 (identical), slow.h5 (every step twice as slow), sweep.h5, hand.h5,
// and bad inputs: notes.txt (text), foreign.h5 (HDF5, not ours), truncated.h5 (half a file).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "record/h5.hpp"
#include "record/run_file.hpp"
#include "sample_runs.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_sample_runs DIR\n";
    return 2;
  }
  const fs::path dir = argv[1];
  fs::create_directories(dir);
  using namespace wxfer;
  write_run_file(testing::synthetic_benchmark(1.0, false), (dir / "base.h5").string());
  write_run_file(testing::synthetic_benchmark(1.0, false), (dir / "same.h5").string());
  write_run_file(testing::synthetic_benchmark(2.0, false), (dir / "slow.h5").string());
  write_run_file(testing::synthetic_benchmark(1.0, true), (dir / "sweep.h5").string());
  write_run_file(testing::hand_made_run(), (dir / "hand.h5").string());
  std::ofstream(dir / "notes.txt") << "not a run file\n";
  {
    h5::quiet_errors();
    const h5::File foreign(WXFER_CHECK_H5(H5Fcreate((dir / "foreign.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)));
    const h5::Group group(WXFER_CHECK_H5(H5Gcreate2(foreign.get(), "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
  }
  const auto size = fs::file_size(dir / "base.h5");
  fs::copy_file(dir / "base.h5", dir / "truncated.h5", fs::copy_options::overwrite_existing);
  fs::resize_file(dir / "truncated.h5", size / 2);
  std::cout << "wrote sample run files to " << dir.string() << "\n";
  return 0;
}
