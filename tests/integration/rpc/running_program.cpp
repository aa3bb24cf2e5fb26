#include "integration/rpc/running_program.h"

#include "integration/rpc/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace guise::rpc::testing {

RunningProgram::RunningProgram(const std::vector<std::string>& argv, std::optional<uid_t> uid,
                               std::optional<gid_t> gid, const std::string& stderr_path) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  int err = -1;
  if (!stderr_path.empty()) {
    err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err < 0) throw std::runtime_error("cannot open " + stderr_path);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Opened while still root: the program may sit below a directory the target uid cannot traverse.
  const int program = ::open(args[0], O_PATH | O_CLOEXEC);
  if (program < 0) throw std::runtime_error("cannot open " + argv[0]);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork");
  if (pid_ == 0) {
    // Only async-signal-safe calls between fork and exec (the parent has threads).
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    if (err >= 0) ::dup2(err, STDERR_FILENO);
    become_and_exec(program, args.data(), uid, gid);
  }
  ::close(program);
  ::close(in[0]);
  ::close(out[1]);
  if (err >= 0) ::close(err);
  stdin_ = UniqueFd(in[1]);
  stdout_ = UniqueFd(out[0]);
  pidfd_ = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
}

RunningProgram::~RunningProgram() {
  close_stdin();
  if (!wait(std::chrono::seconds(10))) {
    ::kill(pid_, SIGKILL);
    (void)wait(std::chrono::seconds(10));
  }
}

std::optional<std::string> RunningProgram::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 100000; ++i) {
    if (auto nl = pending_.find('\n'); nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    if (!stdout_) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{stdout_.get(), POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return std::nullopt;
    char buffer[4096];
    ssize_t n = ::read(stdout_.get(), buffer, sizeof buffer);
    if (n <= 0) {
      stdout_.reset();
      continue;  // what is pending may still hold a last line
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
  }
  return std::nullopt;
}

bool RunningProgram::wait_for_line(const std::string& line, std::vector<std::string>* seen,
                                   std::chrono::milliseconds timeout) {
  for (int i = 0; i < 100000; ++i) {
    auto next = read_line(timeout);
    if (!next) return false;
    if (*next == line) return true;
    if (seen) seen->push_back(*next);
  }
  return false;
}

std::optional<int> RunningProgram::wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  if (pidfd_) {
    pollfd p{pidfd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  }
  int status = 0;
  if (::waitpid(pid_, &status, pidfd_ ? 0 : WNOHANG) != pid_) return std::nullopt;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return exit_code_;
}

bool RunningProgram::running() { return !wait(std::chrono::milliseconds(0)).has_value(); }

std::vector<std::pair<std::string, std::string>> split_fields(const std::vector<std::string>& lines) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& line : lines) {
    if (auto eq = line.find('='); eq != std::string::npos) out.emplace_back(line.substr(0, eq), line.substr(eq + 1));
  }
  return out;
}

std::string field(const std::vector<std::string>& lines, const std::string& key) {
  std::string value;
  for (const auto& [k, v] : split_fields(lines)) {
    if (k == key) value = v;
  }
  return value;
}

}  // namespace guise::rpc::testing
