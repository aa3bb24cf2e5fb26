#include "integration/rpc/forked_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace guise::rpc::testing {
namespace {

int g_events_fd = -1;   // in the child: write end of the events pipe
int g_release_fd = -1;  // in the child: read end of the release pipe

int run_server_child(InterfaceRegistration iface, ServerOptions options,
                     const std::function<void(Server&)>& configure, int control_fd) {
  static std::atomic<int> counter{0};
  Server server(std::move(options));
  if (!server.register_interface(std::move(iface)).ok()) return 10;
  if (configure) configure(server);
  auto bound = server.listen("ncalrpc:[@guise-server-process-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter++) + "]");
  if (!bound.ok()) {
    std::fprintf(stderr, "server process: %s\n", bound.status().to_string().c_str());
    return 11;
  }
  if (!server.start().ok()) return 12;
  publish("listening=" + *bound);
  // Serves until the test closes the control pipe (or dies: then the pipe closes too).
  char c;
  while (::read(control_fd, &c, 1) > 0 || errno == EINTR) {
  }
  server.stop();
  return 0;
}

void pipe_or_throw(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
}

}  // namespace

ForkedServer::ForkedServer(InterfaceRegistration iface, ServerOptions options,
                             std::function<void(Server&)> configure) {
  int events[2], release[2], control[2];
  pipe_or_throw(events);
  pipe_or_throw(release);
  pipe_or_throw(control);
  log_ = ::memfd_create("guise-server-process-log", MFD_CLOEXEC);
  if (log_ < 0) throw std::runtime_error("memfd_create failed");
  std::fflush(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::close(events[0]);
    ::close(release[1]);
    ::close(control[1]);
    g_events_fd = events[1];
    g_release_fd = release[0];
    ::dup2(log_, STDERR_FILENO);
    int code = 125;
    try {
      code = run_server_child(std::move(iface), std::move(options), configure, control[0]);
    } catch (...) {
      code = 124;
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  ::close(events[1]);
  ::close(release[0]);
  ::close(control[0]);
  events_ = events[0];
  release_ = release[1];
  control_ = control[1];
  auto line = next_event();
  if (!line || line->rfind("listening=", 0) != 0) {
    stop(std::chrono::milliseconds(0));
    throw std::runtime_error("the server process did not start listening");
  }
  binding_ = line->substr(std::string("listening=").size());
}

ForkedServer::~ForkedServer() {
  stop();
  // Shown in the test's output, where a failure's cause is looked for.
  if (const std::string text = log(); !text.empty()) std::fprintf(stderr, "[server process log]\n%s", text.c_str());
  if (events_ >= 0) ::close(events_);
  if (release_ >= 0) ::close(release_);
  if (log_ >= 0) ::close(log_);
}

std::string ForkedServer::log() const {
  std::string text;
  char buffer[4096];
  for (off_t offset = 0;;) {
    const ssize_t n = ::pread(log_, buffer, sizeof buffer, offset);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    offset += n;
  }
  return text;
}

std::optional<std::string> ForkedServer::next_event(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto nl = pending_.find('\n'); nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{events_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char buffer[512];
    const ssize_t n = ::read(events_, buffer, sizeof buffer);
    if (n <= 0) return std::nullopt;
    pending_.append(buffer, static_cast<std::size_t>(n));
  }
}

void ForkedServer::release() {
  const char one = 'r';
  (void)!::write(release_, &one, 1);
}

bool ForkedServer::running() {
  if (end_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
  ProcessEnd end;
  end.exited = true;
  if (WIFEXITED(status)) end.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) end.signal = WTERMSIG(status);
  end_ = end;
  return false;
}

ProcessEnd ForkedServer::wait_for_end(std::chrono::milliseconds timeout) {
  if (end_) return *end_;
  // A pidfd becomes readable when the process ends: a bounded wait with no polling loop.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    while (::poll(&p, 1, static_cast<int>(timeout.count())) < 0 && errno == EINTR) {
    }
    ::close(pidfd);
  }
  if (running()) return ProcessEnd{};
  return *end_;
}

ProcessEnd ForkedServer::stop(std::chrono::milliseconds timeout) {
  if (end_) return *end_;
  if (control_ >= 0) {
    ::close(control_);
    control_ = -1;
  }
  if (ProcessEnd end = wait_for_end(timeout); end.exited) return end;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  ProcessEnd end;  // exited = false: it had to be killed
  end.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  end_ = end;
  return end;
}

void publish(const std::string& line) {
  const std::string text = line + "\n";
  (void)!::write(g_events_fd, text.data(), text.size());  // one write below PIPE_BUF: atomic
}

bool wait_for_release(std::chrono::milliseconds timeout) {
  pollfd p{g_release_fd, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&p, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
  }
  if (ready <= 0) return false;
  char c;
  return ::read(g_release_fd, &c, 1) == 1;
}

}  // namespace guise::rpc::testing
