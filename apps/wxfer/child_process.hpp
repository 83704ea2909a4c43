// Starting another program and waiting for it: how `wxfer sweep` runs its mpirun jobs.
#pragma once

#include <string>
#include <vector>

namespace wxfer::cli {

struct ChildExit {
  int code = 0;    // exit status when it exited
  int signal = 0;  // the signal that ended it, else 0
  bool ok() const { return code == 0 && signal == 0; }
  std::string describe() const;  // "exit status 2", "killed by signal 9"
};

// Runs argv (argv[0] searched on PATH) with stdin from /dev/null and stdout and stderr
// appended to `log_path`, and waits for it. Throws SystemError when it cannot be started.
ChildExit run_child(const std::vector<std::string>& argv, const std::string& log_path);

// The line that says why a wxfer job failed: its last "error:" line, else its last line.
std::string failure_line(const std::string& log_path);

}  // namespace wxfer::cli
