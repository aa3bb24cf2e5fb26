#include "integration/com/test_process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace guise::com::testing {

TestProcess::TestProcess(const std::vector<std::string>& argv, std::optional<uid_t> uid, std::optional<gid_t> gid,
                         const std::vector<std::string>& env) {
  int in[2];
  int out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return;
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return;
  }
  std::vector<std::string> copies = argv;
  std::vector<std::string> env_copies = env;
  std::vector<char*> args;
  for (auto& a : copies) args.push_back(a.data());
  args.push_back(nullptr);
  // Opened while still root: the program may sit below a directory the target uid cannot traverse
  // (a checkout under /root, mode 0700); executing the descriptor needs only the file's own x bit.
  const int program = ::open(args[0], O_PATH | O_CLOEXEC);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    for (auto& entry : env_copies) ::putenv(entry.data());
    if (gid && (::setgroups(0, nullptr) != 0 || ::setresgid(*gid, *gid, *gid) != 0)) ::_exit(126);
    if (uid && ::setresuid(*uid, *uid, *uid) != 0) ::_exit(126);
    ::syscall(SYS_execveat, program, "", args.data(), environ, AT_EMPTY_PATH);
    ::_exit(127);
  }
  if (program >= 0) ::close(program);
  ::close(in[0]);
  ::close(out[1]);
  if (pid_ < 0) {
    ::close(in[1]);
    ::close(out[0]);
    return;
  }
  stdin_ = in[1];
  stdout_ = out[0];
}

TestProcess::~TestProcess() {
  if (pid_ > 0) (void)finish(std::chrono::seconds(10));
  if (stdout_ >= 0) ::close(stdout_);
}

bool TestProcess::send(const std::string& line) {
  if (stdin_ < 0) return false;
  const std::string text = line + "\n";
  return ::write(stdin_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

std::optional<std::string> TestProcess::next_line(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      lines_.push_back(line);
      return line;
    }
    if (stdout_ < 0) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{stdout_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return std::nullopt;
    char chunk[4096];
    const ssize_t n = ::read(stdout_, chunk, sizeof chunk);
    if (n <= 0) {
      ::close(stdout_);
      stdout_ = -1;
      continue;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> TestProcess::wait_for(const std::string& prefix, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (consumed_ < lines_.size()) {
    const std::string& line = lines_[consumed_++];
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  for (;;) {
    auto line = next_line(deadline);
    if (!line) return std::nullopt;
    ++consumed_;
    if (line->rfind(prefix, 0) == 0) return line->substr(prefix.size());
  }
}

int TestProcess::finish(std::chrono::milliseconds timeout) {
  if (stdin_ >= 0) {
    ::close(stdin_);
    stdin_ = -1;
  }
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    // Keep draining its stdout so it never blocks writing.
    (void)next_line(std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void TestProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (stdin_ >= 0) {
    ::close(stdin_);
    stdin_ = -1;
  }
}

}  // namespace guise::com::testing
