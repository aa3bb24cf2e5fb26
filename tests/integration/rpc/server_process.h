// server_process.h: guise-rpc-test-server in its own process, and what the kernel says about it.
//
// Attacks that could kill, freeze or exhaust a server are made against a server in another process,
// so the test observes the damage (or its absence) from outside: /proc/<pid> for its threads' ids,
// its memory and its CPU time, its stderr for its log lines, and calls from real processes of other
// uids for whether it still serves. Tests only.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "integration/rpc/running_program.h"

namespace guise::rpc::testing {

// Under AddressSanitizer freed memory sits in a quarantine, and ThreadSanitizer shadows every byte
// touched, so a process's RSS says little about what it holds: memory bounds are checked by RSS only
// in builds without them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kRssReflectsLiveMemory = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kRssReflectsLiveMemory = false;
#else
inline constexpr bool kRssReflectsLiveMemory = true;
#endif
#else
inline constexpr bool kRssReflectsLiveMemory = true;
#endif

class ServerProcess {
 public:
  // Starts the server as root with `options` (rpc_test_server.cpp) on a fresh abstract ncalrpc
  // endpoint and 127.0.0.1; returns when it is ready (the test fails if it never is).
  explicit ServerProcess(const std::vector<std::string>& options = {});
  ~ServerProcess();

  bool ready() const noexcept { return ready_; }
  pid_t pid() const noexcept { return program_->pid(); }
  const std::string& local() const noexcept { return local_; }
  const std::string& tcp() const noexcept { return tcp_; }
  unsigned connection_limit() const noexcept { return connection_limit_; }
  bool running() { return program_->running(); }
  // Everything the server has logged so far, and how many of its lines contain `text`.
  std::string log() const;
  int log_lines_with(const std::string& text) const;

  // From /proc/<pid>: resident memory (bytes), user+system CPU time (clock ticks), and the Uid line
  // ("real effective saved fs") of every thread, as "tid uids".
  long rss_bytes() const;
  long cpu_ticks() const;
  // Nanoseconds its threads have spent running or ready to run (on a run queue), summed: a thread
  // that spins adds the wall-clock time however loaded the machine is; a waiting one adds nothing.
  long long runnable_ns() const;
  std::vector<std::string> thread_uid_lines() const;
  // Threads whose four uids are not all the server's (0), as "tid uids".
  std::vector<std::string> threads_not_at_process_identity() const;

 private:
  std::unique_ptr<RunningProgram> program_;
  std::string log_path_;
  std::string local_;
  std::string tcp_;
  unsigned connection_limit_ = 0;
  bool ready_ = false;
};

// guise-rpc-test-attacker as `uid` (rpc_test_attacker.cpp): returns once it printed "ready" (its
// counts are in `lines`), holding what it opened until it is destroyed.
struct Attacker {
  std::unique_ptr<RunningProgram> program;
  std::vector<std::string> lines;
  bool ready = false;
  std::string value(const std::string& key) const { return field(lines, key); }
  long number(const std::string& key) const;
  // Closes its lifeline and collects what it prints on the way out.
  void finish();
};
Attacker attack(const std::string& mode, const std::string& binding, const std::vector<std::string>& arguments,
                uid_t uid = 41001);

}  // namespace guise::rpc::testing
