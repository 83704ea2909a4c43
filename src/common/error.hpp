// One error policy for the whole project: every failure is an exception; `main`
// catches it once, prints one line and exits (or aborts the MPI job).
#pragma once

#include <source_location>
#include <stdexcept>
#include <string>
#include <string_view>

namespace wxfer {

// Bad input from the user (flags, files, layouts): the message alone is shown.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failed call into a library (MPI, CUDA, NCCL, verbs, HDF5) or a broken invariant;
// the message carries the call, file:line, rank and host.
class SystemError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Received bytes differ from what the trainer sent: the run failed its purpose. Every rank
// throws it together (the outcome is agreed collectively); rank 0 has the message.
class VerificationFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws a SystemError naming the failed call, where it happened and on which rank/host.
[[noreturn]] void throw_system_error(std::string_view call, std::string_view detail,
                                     std::source_location where = std::source_location::current());

// Throws a UsageError with the given one-line message.
[[noreturn]] void throw_usage(std::string message);

// Checks an internal invariant; failure means a bug in wxfer, not bad input.
#define WXFER_ASSERT(cond)                                                                      \
  do {                                                                                          \
    if (!(cond)) ::wxfer::throw_system_error("assert(" #cond ")", "internal invariant broken"); \
  } while (0)

// The one check-macro family. WXFER_CHECK_CALL evaluates `call` once; when ok(result) is
// false it throws a SystemError naming the call (`text`), with describe(result), file:line,
// rank and host. Each library's macro is this one with its success test and error text:
// WXFER_CHECK_MPI below, WXFER_CHECK_CUDA (common/cuda_check.hpp), WXFER_CHECK_NCCL
// (transport/nccl/nccl_check.hpp), WXFER_CHECK_VERBS (transport/verbs/verbs_check.hpp).
// WXFER_CHECK_H5 (record/h5.hpp) is the value-returning member: an HDF5 call's result is
// the handle the caller keeps, and its error carries HDF5's innermost reason.
#define WXFER_CHECK_CALL(call, text, ok, describe)                                \
  do {                                                                            \
    const auto wxfer_rc_ = (call);                                                \
    if (!(ok(wxfer_rc_))) ::wxfer::throw_system_error(text, describe(wxfer_rc_)); \
  } while (0)

// MPI calls (errors come back as codes: MPI_ERRORS_RETURN is set on every communicator and window).
std::string mpi_error_string(int code);
inline bool mpi_ok(int code) { return code == 0; }  // MPI_SUCCESS
#define WXFER_CHECK_MPI(call) WXFER_CHECK_CALL(call, #call, ::wxfer::mpi_ok, ::wxfer::mpi_error_string)

}  // namespace wxfer
