// test_process.h: another process of a COM remoting test, talked to through its stdin and stdout
// (tests only).
//
// Starts a program (optionally as another uid/gid, with no supplementary groups, switched in the child
// before exec), keeps a pipe to its stdin and reads its stdout line by line. Every wait is bounded:
// wait_for() gives up after its timeout and says so, so a test never hangs on a peer.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace guise::com::testing {

class TestProcess {
 public:
  // `env`: "NAME=value" entries set in the child only, before exec.
  TestProcess(const std::vector<std::string>& argv, std::optional<uid_t> uid = std::nullopt,
              std::optional<gid_t> gid = std::nullopt, const std::vector<std::string>& env = {});
  ~TestProcess();
  TestProcess(const TestProcess&) = delete;
  TestProcess& operator=(const TestProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  bool running() const noexcept { return pid_ > 0; }

  // Writes one line to its stdin.
  bool send(const std::string& line);
  // The first line starting with `prefix` (the rest after the prefix), reading and remembering every
  // line before it; nullopt if the process closed stdout or `timeout` passed first.
  std::optional<std::string> wait_for(const std::string& prefix,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Every line read so far.
  const std::vector<std::string>& lines() const noexcept { return lines_; }

  // Closes its stdin and waits for it (bounded; killed after `timeout`). The exit status, or -1.
  int finish(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // SIGKILL and reap.
  void kill();

 private:
  std::optional<std::string> next_line(std::chrono::steady_clock::time_point deadline);
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
  std::vector<std::string> lines_;
  std::size_t consumed_ = 0;  // lines_ already returned by wait_for
};

}  // namespace guise::com::testing
