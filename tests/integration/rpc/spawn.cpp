#include "integration/rpc/spawn.h"

#include "support/child_process.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace guise::rpc::testing {

void become_and_exec(int program, char* const* argv, std::optional<uid_t> uid, std::optional<gid_t> gid) noexcept {
  if (gid || uid) {
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) ::_exit(121);
    gid_t g = gid.value_or(static_cast<gid_t>(uid.value_or(0)));
    if (::syscall(SYS_setresgid, g, g, g) != 0) ::_exit(122);
    if (uid && ::syscall(SYS_setresuid, *uid, *uid, *uid) != 0) ::_exit(123);
  }
  ::syscall(SYS_execveat, program, "", argv, environ, AT_EMPTY_PATH);
  ::_exit(127);
}

SpawnResult run_program(const std::vector<std::string>& argv, std::optional<uid_t> uid, std::optional<gid_t> gid) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Opened while still root: the program may sit below a directory the target uid cannot traverse
  // (a checkout under /root, mode 0700); executing the descriptor needs only the file's own x bit.
  const int program = ::open(args[0], O_PATH | O_CLOEXEC);
  if (program < 0) throw std::runtime_error("cannot open " + argv[0]);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec (the parent may have threads).
    ::dup2(fds[1], STDOUT_FILENO);
    become_and_exec(program, args.data(), uid, gid);
  }
  ::close(program);
  ::close(fds[1]);
  const guise::testing::ChildResult child = guise::testing::collect_child(pid, fds[0]);
  SpawnResult result;
  result.output = child.output;
  result.exit_code = child.exit_code;  // -1 when a signal ended it
  return result;
}

}  // namespace guise::rpc::testing
