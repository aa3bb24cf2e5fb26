// child_process.h: run a test body in a forked child process (tests only).
//
// For behaviour that changes the whole process (dropping capabilities, fork semantics) so the test
// process itself stays as it was. The child's stdout/stderr go to the test log; its return value is
// its exit status.
#pragma once

#include <functional>
#include <string>

namespace guise::testing {

struct ChildResult {
  int exit_code = -1;   // the child's exit status, or -1 if it died from a signal
  int signal = 0;       // the signal that ended it, if any
  std::string output;   // what the child wrote to the report pipe via report()
};

// Runs body() in a fork()ed child; body may call report() to send text back. Returns when it exits.
ChildResult run_in_child(const std::function<int()>& body);
// Reads `output_fd` to its end (then closes it) and waits for `pid`: the parent's half of every
// fork in the tests.
ChildResult collect_child(int pid, int output_fd);

// Inside run_in_child's body: appends text to the parent's ChildResult::output.
void report(const std::string& text);

}  // namespace guise::testing
