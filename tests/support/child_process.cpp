#include "support/child_process.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace guise::testing {
namespace {
int g_report_fd = -1;
}

void report(const std::string& text) {
  if (g_report_fd < 0) return;
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(g_report_fd, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

ChildResult run_in_child(const std::function<int()>& body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    g_report_fd = fds[1];
    int code = 125;
    try {
      code = body();
    } catch (...) {
      code = 124;
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  ::close(fds[1]);
  return collect_child(pid, fds[0]);
}

ChildResult collect_child(int pid, int output_fd) {
  ChildResult result;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(output_fd, buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(output_fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

}  // namespace guise::testing
