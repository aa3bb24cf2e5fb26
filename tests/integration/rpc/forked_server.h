// forked_server.h: a guise::rpc::Server in its own forked process, for attacks on it (tests only).
//
// Tests that signal a serving thread, or plant a handler that breaks the identity rules, need the
// server in another process: a signal that gets through, or an abort, must end *that* process and be
// seen as its exit status, not take the test with it. The child serves one interface on an abstract
// ncalrpc endpoint (any uid may connect) until stop(). Its handlers talk to the test through publish()
// (a line the test reads with next_event()) and wait_for_release() (blocks until the test calls
// release()). Every wait is bounded. The child's stderr (log lines, abort messages) is kept for log().
// Thread-safety: use a ForkedServer from one test thread; publish/wait_for_release from any handler.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "rpc/interface_registry.h"
#include "rpc/server.h"

namespace guise::rpc::testing {

struct ProcessEnd {
  bool exited = false;  // false: still running after the wait (stop() then kills it)
  int exit_code = -1;   // when it exited normally
  int signal = 0;       // the signal that ended it
};

class ForkedServer {
 public:
  // Forks the server. `configure` runs in the child before listen (add providers, change options).
  // Waits (≤ 10 s) until it listens; throws std::runtime_error if it does not.
  explicit ForkedServer(InterfaceRegistration iface, ServerOptions options = {},
                         std::function<void(Server&)> configure = {});
  ~ForkedServer();  // stop(), and SIGKILL if it does not end in time
  ForkedServer(const ForkedServer&) = delete;
  ForkedServer& operator=(const ForkedServer&) = delete;

  pid_t pid() const noexcept { return pid_; }
  const std::string& binding() const noexcept { return binding_; }

  // The next line a handler published; nullopt after `timeout` or when the child is gone.
  std::optional<std::string> next_event(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Lets one handler waiting in wait_for_release() continue.
  void release();
  // Whether the child is still running (it has not exited or been killed).
  bool running();
  // Waits at most `timeout` for the process to end by itself (nothing asks it to): ended_in_time
  // false when it is still running.
  ProcessEnd wait_for_end(std::chrono::milliseconds timeout);
  // What the child wrote to stderr so far.
  std::string log() const;
  // Asks the server to stop and waits at most `timeout` for the process to end; kills it after that.
  ProcessEnd stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  int events_ = -1;   // read end: lines from publish()
  int release_ = -1;  // write end: one byte per release()
  int control_ = -1;  // write end: closing it stops the server
  int log_ = -1;      // memfd that is the child's stderr
  std::string binding_;
  std::string pending_;
  std::optional<ProcessEnd> end_;
};

// In the server child: sends `line` (no newline) to the test.
void publish(const std::string& line);
// In the server child: waits until the test calls release(), at most `timeout`. False on timeout.
bool wait_for_release(std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace guise::rpc::testing
