#include "common/error.hpp"

#include <mpi.h>

#include <filesystem>
#include <sstream>

#include "common/process.hpp"

namespace wxfer {

void throw_system_error(std::string_view call, std::string_view detail, std::source_location where) {
  std::ostringstream msg;
  msg << detail << " (call `" << call << "` at " << std::filesystem::path(where.file_name()).filename().string() << ':'
      << where.line() << ", " << process_identity() << ')';
  throw SystemError(msg.str());
}

void throw_usage(std::string message) { throw UsageError(std::move(message)); }

std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(len));
}

}  // namespace wxfer
