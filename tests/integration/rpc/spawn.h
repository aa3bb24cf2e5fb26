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

}  // namespace guise::rpc::testing
