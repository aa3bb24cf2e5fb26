// spawn.h: run a program as another user and capture what it prints (tests only).
//
// The child switches its whole (single-threaded) process to uid/gid with no supplementary groups
// before exec, so the program runs as that user from its first instruction: a real process with a
// real uid, which is what the kernel then attests to a server.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace guise::rpc::testing {

struct SpawnResult {
  int exit_code = -1;  // -1 if killed by a signal
  std::string output;  // stdout
};

// Runs argv[0] with argv; as uid/gid when given (needs root), else as the caller.
SpawnResult run_program(const std::vector<std::string>& argv, std::optional<uid_t> uid = std::nullopt,
                        std::optional<gid_t> gid = std::nullopt);

// In a child just forked from a (possibly threaded) parent: switches the whole process to uid/gid with
// no supplementary groups when either is given, then executes `program` (an O_PATH descriptor opened
// while still root, so a checkout the target uid cannot traverse still runs). Only async-signal-safe
// calls; exits 121–123 when a switch fails, 127 when exec does.
[[noreturn]] void become_and_exec(int program, char* const* argv, std::optional<uid_t> uid,
                                  std::optional<gid_t> gid) noexcept;

}  // namespace guise::rpc::testing
