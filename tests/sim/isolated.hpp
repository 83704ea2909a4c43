// SimGrid allows one engine and one platform per process: each simulation in these tests
// runs in a forked child that sends its numbers back through a pipe.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <vector>

namespace wxfer::testing {

inline std::vector<double> isolated(const std::function<std::vector<double>()>& body) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    int code = 0;
    try {
      const auto v = body();
      const size_t n = v.size();
      if (write(fds[1], &n, sizeof n) < 0 || write(fds[1], v.data(), n * sizeof(double)) < 0) code = 3;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      code = 2;
    }
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  size_t n = 0;
  std::vector<double> v;
  if (read(fds[0], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) {
    v.resize(n);
    size_t got = 0;
    while (got < n * sizeof(double)) {
      const auto r = read(fds[0], reinterpret_cast<char*>(v.data()) + got, n * sizeof(double) - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) v.clear();
  return v;
}

}  // namespace wxfer::testing
