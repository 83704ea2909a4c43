// Writing a simulation's RunFile to HDF5 and its summary as text or JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/simulate.hpp"

namespace wxfer {

// Through record/run_file.hpp's write_run_file (docs/hdf5-schema.md).
void write_sim_file(const RunFile& file, const std::string& path);
std::string sim_table(const SimResult& r);
nlohmann::json sim_json(const SimResult& r);

}  // namespace wxfer
