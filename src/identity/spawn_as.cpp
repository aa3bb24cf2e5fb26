// spawn_as: clone3 at the process identity, then — in the child, raw syscalls only — the token's ids,
// no capabilities, and execve. Failures in the child come back through a close-on-exec pipe.
#include "identity/spawn_as.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fmt/format.h>

#include "guise/winerror.h"
#include "identity/impersonation.h"

namespace guise::identity {
namespace {

// Everything the child needs, built by the parent: the child allocates nothing and calls no library
// function but syscall() (it is a copy of a possibly multi-threaded process, and sanitizer runtimes
// must not run there either).
struct ChildPlan {
  const char* path = nullptr;
  int program_fd = -1;  // executed instead of path when >= 0
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* working_directory = nullptr;  // nullptr: stay
  int std_fds[3] = {0, 1, 2};
  bool inherit_handles = false;
  uid_t uid = 0;
  gid_t gid = 0;
  const gid_t* groups = nullptr;
  std::size_t group_count = 0;
  bool set_groups = false;
  bool drop_capabilities = false;
  int report_fd = -1;
};

enum Step : int { kSignals = 1, kStdFds, kCloseDescriptors, kSetgroups, kSetresgid, kSetresuid, kCapabilities,
                  kWorkingDirectory, kExec };

const char* step_name(int step) {
  switch (step) {
    case kSignals: return "resetting signals";
    case kStdFds: return "setting up stdin/stdout/stderr";
    case kCloseDescriptors: return "closing inherited descriptors";
    case kSetgroups: return "setgroups";
    case kSetresgid: return "setresgid";
    case kSetresuid: return "setresuid";
    case kCapabilities: return "dropping capabilities";
    case kWorkingDirectory: return "entering the working directory";
    case kExec: return "execve";
  }
  return "set-up";
}

struct ChildReport {
  int step = 0;
  int error = 0;
};

// The kernel's struct sigaction (x86_64, aarch64 and the generic layout with sa_restorer).
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  std::uint64_t mask;
};

#define GUISE_CHILD_CODE __attribute__((noinline, no_sanitize("address", "thread", "undefined")))

[[noreturn]] GUISE_CHILD_CODE void child_fail(int report_fd, int step) {
  ChildReport report{step, errno};
  ::syscall(SYS_write, report_fd, &report, sizeof report);
  ::syscall(SYS_exit_group, 127);
  __builtin_unreachable();
}

[[noreturn]] GUISE_CHILD_CODE void run_child(const ChildPlan& plan) {
  // A clean signal state, as a new process on Windows has: nothing blocked, nothing ignored.
  const std::uint64_t no_signals = 0;
  if (::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, nullptr, sizeof no_signals) != 0) {
    child_fail(plan.report_fd, kSignals);
  }
  const KernelSigaction default_action{SIG_DFL, 0, nullptr, 0};
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::syscall(SYS_rt_sigaction, sig, &default_action, nullptr, sizeof(std::uint64_t));
  }
  // stdin/stdout/stderr: sources that are themselves 0-2 are moved out of the way first.
  int source[3] = {plan.std_fds[0], plan.std_fds[1], plan.std_fds[2]};
  for (int i = 0; i < 3; ++i) {
    if (source[i] >= 0 && source[i] < 3 && source[i] != i) {
      source[i] = static_cast<int>(::syscall(SYS_fcntl, source[i], F_DUPFD_CLOEXEC, 3));
      if (source[i] < 0) child_fail(plan.report_fd, kStdFds);
    }
  }
  for (int i = 0; i < 3; ++i) {
    if (source[i] < 0) continue;
    const long rc = source[i] == i ? ::syscall(SYS_fcntl, i, F_SETFD, 0) : ::syscall(SYS_dup3, source[i], i, 0);
    if (rc < 0) child_fail(plan.report_fd, kStdFds);
  }
  if (!plan.inherit_handles &&
      ::syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {  // the report pipe stays until exec
    child_fail(plan.report_fd, kCloseDescriptors);
  }
  // Groups, then gid, then uid (after which the capability to change the others is gone).
  if (plan.set_groups && ::syscall(SYS_setgroups, plan.group_count, plan.groups) != 0) {
    child_fail(plan.report_fd, kSetgroups);
  }
  if (::syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) child_fail(plan.report_fd, kSetresgid);
  if (::syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) child_fail(plan.report_fd, kSetresuid);
  if (plan.drop_capabilities) {
    // Leaving root empties the sets already; a non-root server's capabilities need taking away.
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 ||
        ::syscall(SYS_capset, &header, none) != 0) {
      child_fail(plan.report_fd, kCapabilities);
    }
  }
  if (plan.working_directory != nullptr && ::syscall(SYS_chdir, plan.working_directory) != 0) {
    child_fail(plan.report_fd, kWorkingDirectory);
  }
  if (plan.program_fd >= 0) {
    ::syscall(SYS_execveat, plan.program_fd, "", plan.argv, plan.envp, AT_EMPTY_PATH);
  } else {
    ::syscall(SYS_execve, plan.path, plan.argv, plan.envp);
  }
  child_fail(plan.report_fd, kExec);
}

Status child_error(const ChildReport& report, const std::string& path, uid_t uid) {
  const std::string message =
      fmt::format("starting {} as uid {}: {}: {}", path, uid, step_name(report.step), std::strerror(report.error));
  switch (report.step) {
    case kSetgroups:
    case kSetresgid:
    case kSetresuid:
      return Status(StatusCode::kAccessDenied, message, HRESULT_FROM_WIN32(ERROR_PRIVILEGE_NOT_HELD));
    case kWorkingDirectory:
    case kExec:
      if (report.error == ENOENT || report.error == ENOTDIR) {
        return Status(StatusCode::kNotFound, message, HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND));
      }
      if (report.error == EACCES || report.error == EPERM) return Status(StatusCode::kAccessDenied, message, E_ACCESSDENIED);
      return unavailable(message);
    default:
      return internal_error(message);
  }
}

std::vector<char*> pointers_to(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<SpawnedProcess> spawn_as(const Token& token, const SpawnOptions& options) {
  if (options.argv.empty()) return invalid_input("spawn_as: no program (argv is empty)");
  if (token.is_anonymous() || !applies_caller_ids(token.level())) {
    return Status(StatusCode::kFailedPrecondition,
                  fmt::format("spawn_as: a token at {} level cannot become a process",
                              impersonation_level_name(token.level())),
                  HRESULT_FROM_WIN32(ERROR_BAD_IMPERSONATION_LEVEL));
  }
  const ThreadIds ids = thread_ids_for(token);
  std::vector<char*> argv = pointers_to(options.argv);
  std::vector<char*> envp;
  if (options.environment) envp = pointers_to(*options.environment);

  // The child starts from the process identity whatever this thread carries (its capabilities are
  // what setgroups/setresgid/setresuid need); this thread gets its impersonation back right after.
  ProcessIdentityScope as_process;
  const KernelIds process = process_kernel_ids();

  ChildPlan plan;
  plan.path = options.argv[0].c_str();
  plan.program_fd = options.program_fd;
  plan.argv = argv.data();
  plan.envp = options.environment ? envp.data() : environ;
  plan.working_directory = options.working_directory.empty() ? nullptr : options.working_directory.c_str();
  for (int i = 0; i < 3; ++i) plan.std_fds[i] = options.std_fds[static_cast<std::size_t>(i)];
  plan.inherit_handles = options.inherit_handles;
  plan.uid = ids.uid;
  plan.gid = ids.gid;
  plan.groups = ids.groups.data();
  plan.group_count = ids.groups.size();
  plan.set_groups = ids.groups != process.groups;
  plan.drop_capabilities = ids.uid != 0;

  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return unavailable(fmt::format("spawn_as: pipe2: {}", std::strerror(errno)));
  UniqueFd report_read(report[0]);
  UniqueFd report_write(report[1]);
  plan.report_fd = report_write.get();

  int pidfd = -1;
  clone_args args{};
  args.flags = CLONE_PIDFD;
  args.pidfd = reinterpret_cast<std::uintptr_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  const long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) run_child(plan);
  if (pid < 0) return unavailable(fmt::format("spawn_as: clone3: {}", std::strerror(errno)));
  SpawnedProcess child{static_cast<pid_t>(pid), UniqueFd(pidfd)};
  report_write.reset();

  // EOF: the child exec'ed (the pipe closed on exec). A report: it failed and has exited.
  ChildReport failure;
  ssize_t n;
  while ((n = ::read(report_read.get(), &failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  if (n == 0) return child;
  siginfo_t info{};
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(child.pidfd.get()), &info, WEXITED) < 0 &&
         errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof failure)) return internal_error("spawn_as: the child's report was cut short");
  return child_error(failure, options.argv[0], ids.uid);
}

}  // namespace guise::identity
