#include "child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>

#include "common/error.hpp"

extern char** environ;

namespace wxfer::cli {

std::string ChildExit::describe() const {
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit status " + std::to_string(code);
}

ChildExit run_child(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // mpirun forwards stdin to rank 0: give it nothing rather than the user's terminal.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // Ctrl-C reaches the child too (same process group), which ends its job; this process
  // outlives it so that the caller can report the failure and clean up. The child starts
  // with the default SIGINT action, not our ignoring one.
  struct sigaction ignore = {}, previous = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ignore, &previous);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0, wait_errno = 0;
  if (rc == 0)
    while (waitpid(pid, &status, 0) < 0 && (wait_errno = errno) == EINTR) {}
  sigaction(SIGINT, &previous, nullptr);
  if (rc != 0) throw_system_error("posix_spawnp(" + argv[0] + ")", std::strerror(rc));
  if (wait_errno != 0 && wait_errno != EINTR) throw_system_error("waitpid(" + argv[0] + ")", std::strerror(wait_errno));
  ChildExit out;
  if (WIFSIGNALED(status))
    out.signal = WTERMSIG(status);
  else
    out.code = WEXITSTATUS(status);
  return out;
}

std::string failure_line(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line, last, last_error;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    last = line;
    if (line.find("error:") != std::string::npos) last_error = line;
  }
  return last_error.empty() ? last : last_error;
}

}  // namespace wxfer::cli
