#include "common/build_info.hpp"

#include <mpi.h>

#include "wxfer/config.hpp"

namespace wxfer {
namespace {
std::string feature(const char* name, bool on, const char* ver) {
  std::string line = std::string(name) + ": " + (on ? "yes" : "no");
  if (on && ver[0] != '\0') line += std::string(" (") + ver + ")";
  return line + "\n";
}
}  // namespace

std::string version() { return WXFER_VERSION; }

std::string build_features() {
  char mpi_lib[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int len = 0;
  MPI_Get_library_version(mpi_lib, &len);
  std::string mpi(mpi_lib, static_cast<size_t>(len));
  if (auto nl = mpi.find_first_of(",\n"); nl != std::string::npos) mpi.resize(nl);
  std::string out;
  out += "mpi: yes (" + mpi + ")\n";
  out += feature("cuda", WXFER_HAVE_CUDA, WXFER_CUDA_VERSION);
  out += feature("nccl", WXFER_HAVE_NCCL, WXFER_NCCL_VERSION);
  out += feature("verbs", WXFER_HAVE_VERBS, WXFER_VERBS_VERSION);
  out += feature("simgrid", WXFER_HAVE_SIMGRID, WXFER_SIMGRID_VERSION);
  return out;
}

}  // namespace wxfer
