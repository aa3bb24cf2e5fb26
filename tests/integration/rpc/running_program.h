// running_program.h: a program started as another user that keeps running while a test talks to it.
//
// The child switches its whole process to uid/gid (no supplementary groups) before exec, like
// spawn.h's run_program, but the test does not wait for it: it reads its stdout line by line (each
// read bounded), keeps its stdin open as the program's lifeline (the program exits when it closes),
// and can observe it from /proc. The destructor closes stdin, waits a bounded time, then SIGKILLs.
// Tests only; one thread at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace guise::rpc::testing {

class RunningProgram {
 public:
  // argv[0] is a path; stderr goes to `stderr_path` ("" = the test's stderr).
  RunningProgram(const std::vector<std::string>& argv, std::optional<uid_t> uid = std::nullopt,
                 std::optional<gid_t> gid = std::nullopt, const std::string& stderr_path = "");
  ~RunningProgram();
  RunningProgram(const RunningProgram&) = delete;
  RunningProgram& operator=(const RunningProgram&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // The next line of stdout (without '\n'); nullopt at end of output or after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Reads lines until one equals `line`; every line before it is appended to `seen`. False at end
  // of output or timeout (each line waits at most `timeout`).
  bool wait_for_line(const std::string& line, std::vector<std::string>* seen = nullptr,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void close_stdin() noexcept { stdin_.reset(); }
  // The exit code (−signal when a signal ended it), waiting at most `timeout`; nullopt if still running.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  UniqueFd pidfd_;
  UniqueFd stdin_;
  UniqueFd stdout_;
  std::string pending_;
  std::optional<int> exit_code_;
};

// "key=value" lines of `lines` as a map (the last value of a key wins).
std::vector<std::pair<std::string, std::string>> split_fields(const std::vector<std::string>& lines);
std::string field(const std::vector<std::string>& lines, const std::string& key);

}  // namespace guise::rpc::testing
