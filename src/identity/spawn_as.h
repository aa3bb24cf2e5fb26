// spawn_as.h: start a program as a token — the CreateProcessAsUser analogue (spec §4 L6 c).
//
// On Windows, CreateProcess from an impersonating thread runs the child with the *process's* token,
// and CreateProcessAsUser(token) runs it as the token. On Linux a child keeps the creating thread's
// real and saved ids, which guise leaves as the process's while impersonating (L1), and an execve with
// a real uid of 0 grants the program root's permitted capabilities: a program started with
// posix_spawn, vfork or clone from an impersonating thread is the server's, as with CreateProcess.
// spawn_as starts a program with its real, effective, saved and fs ids and its groups all set to the
// token's kernel view, and — unless the token is root — with every capability set empty, before the
// program's first instruction; nothing in the new program can take the server's identity back.
//
// The child is made with clone3 (no fork handlers run, CLONE_PIDFD returns a pidfd atomically), at the
// process identity whatever the calling thread carries, and does only raw syscalls before execve. The
// token's level must let a server act as the caller (impersonate or delegate): an identify-level or
// anonymous token cannot become a process (Windows: ERROR_BAD_IMPERSONATION_LEVEL). A process without
// CAP_SETUID/CAP_SETGID can start programs only as its own ids (ERROR_PRIVILEGE_NOT_HELD otherwise).
// The caller owns the child: reap it (waitid(P_PIDFD, ...) on `pidfd`). Thread-safety: safe from any
// thread; descriptors the program should not get must be O_CLOEXEC (or leave inherit_handles false).
// This is the identity layer's primitive; the Windows-named CreateProcessAsUserW surface is built on it.
#pragma once

#include <sys/types.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "identity/token.h"

namespace guise::identity {

struct SpawnOptions {
  // argv[0] is the program: a path (absolute, or relative to the working directory), not searched in PATH.
  std::vector<std::string> argv;
  // "NAME=value" entries; nullopt: the calling process's environment (CreateProcessAsUser's NULL block).
  std::optional<std::vector<std::string>> environment;
  // The program's working directory, entered as the token (its access is checked as the token);
  // empty: the calling process's.
  std::string working_directory;
  // The descriptors that become the program's stdin, stdout, stderr (STARTUPINFO's std handles).
  std::array<int, 3> std_fds = {0, 1, 2};
  // bInheritHandles: false closes every other descriptor at exec; true keeps those not O_CLOEXEC.
  bool inherit_handles = false;
  // When >= 0: the program to run, as a descriptor the server opened (O_PATH is enough), executed with
  // execveat(AT_EMPTY_PATH) instead of argv[0]'s path. For a program the server chose that the token
  // cannot reach by path (a checkout under a 0700 home, a root-only libexec folder): the token still
  // needs the file's own execute permission. A compiled program only (a script's interpreter would have
  // to reopen it by a path the descriptor no longer names). Not closed by spawn_as.
  int program_fd = -1;
};

struct SpawnedProcess {
  pid_t pid = 0;
  UniqueFd pidfd;  // stays valid, naming this process only, until closed
};

// Starts options.argv[0] as `token`. Returns once the program has been exec'ed: errors of the
// child's set-up or of execve are reported here (kNotFound: no such program; kAccessDenied: the
// kernel refused an id switch, the working directory or exec; kFailedPrecondition: the token's level)
// and leave no child behind.
[[nodiscard]] Result<SpawnedProcess> spawn_as(const Token& token, const SpawnOptions& options);

}  // namespace guise::identity
