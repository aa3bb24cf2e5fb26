// Threads and processes started while impersonating (spec §4 L6), proven by what the kernel reports for
// the new thread (/proc/self/task/TID/status) or the new program (its own /proc/self/status).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <map>
#include <sstream>
#include <thread>

#include "guise/winerror.h"
#include "identity/impersonation.h"
#include "identity/process_thread.h"
#include "identity/spawn_as.h"
#include "support/child_process.h"
#include "support/proc_status.h"
#include "support/root.h"
#include "unit/identity/capable_process.h"

namespace guise::identity {
namespace {

using testing::read_cap_eff;
using testing::read_proc_ids;
using testing::try_open;

constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;
constexpr gid_t kShared = 42000;

Token alice() { return Token::for_ids(kAlice, kAlice, {kAlice, kShared}, ImpersonationLevel::kImpersonate); }
Token bob() { return Token::for_ids(kBob, kBob, {kBob}, ImpersonationLevel::kImpersonate); }

std::vector<long> ids4(long r, long e, long s, long fs) { return {r, e, s, fs}; }

// What a thread saw of itself from the kernel, taken inside the thread.
struct ThreadSight {
  testing::ProcIds ids;
  unsigned long long cap_eff = 0;
  int root_file = -1;
  bool has_token = true;
};

// ---- threads ----

class ThreadsStartedWhileImpersonating : public ::testing::Test {
 protected:
  void SetUp() override {
    GUISE_REQUIRE_ROOT();
    root_file_ = files_.add("root", 0, 0, 0600);
  }
  ThreadSight look() {
    ThreadSight sight;
    sight.ids = read_proc_ids();
    sight.cap_eff = read_cap_eff();
    sight.root_file = try_open(root_file_);
    sight.has_token = thread_token().has_value();
    return sight;
  }
  testing::PrivateFiles files_;
  std::string root_file_;
};

TEST_F(ThreadsStartedWhileImpersonating, APlainThreadInheritsTheCallersIdsForLife) {
  // The Linux behaviour guise documents (and the runtime never relies on): a std::thread created by
  // an impersonating thread runs as the caller, with nothing to revert it.
  const auto process_caps = read_cap_eff();
  auto scope = impersonate(alice());
  ASSERT_TRUE(scope.ok());
  ThreadSight sight;
  std::thread([&] { sight = look(); }).join();
  EXPECT_EQ(sight.ids.uid, ids4(0, kAlice, 0, kAlice));
  EXPECT_EQ(sight.ids.groups, (std::vector<long>{kAlice, kShared}));
  EXPECT_EQ(sight.cap_eff, 0ull);
  EXPECT_EQ(sight.root_file, EACCES);
  EXPECT_FALSE(sight.has_token);  // and guise does not know: it is not a scope
  scope->revert();
  EXPECT_EQ(read_cap_eff(), process_caps);
}

TEST_F(ThreadsStartedWhileImpersonating, AProcessThreadStartsAtTheProcessIdentity) {
  const auto process = read_proc_ids();
  const auto process_caps = read_cap_eff();
  auto scope = impersonate(alice());
  ASSERT_TRUE(scope.ok());
  ThreadSight sight;
  std::string argument;
  start_process_thread([&](std::string given) {
    sight = look();
    argument = std::move(given);
  }, std::string("passed")).join();
  EXPECT_EQ(sight.ids.uid, process.uid);
  EXPECT_EQ(sight.ids.gid, process.gid);
  EXPECT_EQ(sight.ids.groups, process.groups);
  EXPECT_EQ(sight.cap_eff, process_caps);
  EXPECT_EQ(sight.root_file, 0);
  EXPECT_FALSE(sight.has_token);
  EXPECT_EQ(argument, "passed");
  // The creating thread still carries alice.
  EXPECT_EQ(read_proc_ids().uid, ids4(0, kAlice, 0, kAlice));
}

TEST_F(ThreadsStartedWhileImpersonating, AProcessThreadCanImpersonateAndRevertLikeAnyOther) {
  auto scope = impersonate(alice());
  ASSERT_TRUE(scope.ok());
  std::vector<long> during, after;
  start_process_thread([&] {
    auto as_bob = impersonate(bob());
    if (!as_bob.ok()) return;
    during = read_proc_ids().uid;
    as_bob->revert();
    after = read_proc_ids().uid;
  }).join();
  EXPECT_EQ(during, ids4(0, kBob, 0, kBob));
  EXPECT_EQ(after, ids4(0, 0, 0, 0));
}

TEST_F(ThreadsStartedWhileImpersonating, NonRootServersThreadGetsItsCapabilitiesBack) {
  auto child = testing::run_in_child([] {
    if (int failed = become_capable_non_root(); failed != 0) return failed;
    auto scope = impersonate(alice());
    if (!scope.ok()) return 30;
    if (testing::read_capabilities("CapEff") != 0) return 31;
    std::vector<long> uid;
    unsigned long long eff = 0, amb = 0;
    start_process_thread([&] {
      uid = read_proc_ids().uid;
      eff = testing::read_capabilities("CapEff");
      amb = testing::read_capabilities("CapAmb");
    }).join();
    testing::report("thread CapEff " + std::to_string(eff) + " CapAmb " + std::to_string(amb) + "\n");
    if (uid != ids4(kServerUid, kServerUid, kServerUid, kServerUid)) return 32;
    if (eff != kHeld || amb != (1ull << CAP_DAC_READ_SEARCH)) return 33;
    return 0;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

TEST_F(ThreadsStartedWhileImpersonating, DumpableFlagComesBackAfterAProcessThreadStartedWhileAway) {
  ASSERT_EQ(::prctl(PR_SET_DUMPABLE, 1), 0);
  std::thread started;
  {
    auto scope = impersonate(alice());
    ASSERT_TRUE(scope.ok());
    started = start_process_thread([] {});
  }
  started.join();
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE), 1);
}

// ---- processes ----

struct Ran {
  int exit_code = -1;
  std::string output;
};

// Reads the program's stdout (the read end of a pipe) to its end, then reaps it.
Ran finish(SpawnedProcess& process, int output) {
  Ran ran;
  char buffer[4096];
  for (int i = 0; i < 1000; ++i) {
    pollfd p{output, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    const ssize_t n = ::read(output, buffer, sizeof buffer);
    if (n <= 0) break;
    ran.output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(output);
  siginfo_t info{};
  if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(process.pidfd.get()), &info, WEXITED) == 0 &&
      info.si_code == CLD_EXITED) {
    ran.exit_code = info.si_status;
  }
  return ran;
}

// "Uid:\t1\t2\t3\t4" → "1 2 3 4", for the keys asked.
std::map<std::string, std::string> status_fields(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream values(line.substr(colon + 1));
    std::string value, joined;
    while (values >> value) joined += (joined.empty() ? "" : " ") + value;
    out[line.substr(0, colon)] = joined;
  }
  return out;
}

SpawnOptions program(std::vector<std::string> argv) {
  SpawnOptions options;
  options.argv = std::move(argv);
  return options;
}

Result<Ran> spawn_and_run(const Token& token, SpawnOptions options) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return internal_error("pipe2");
  options.std_fds[1] = pipe_fds[1];
  auto process = spawn_as(token, options);
  ::close(pipe_fds[1]);
  if (!process.ok()) {
    ::close(pipe_fds[0]);
    return process.status();
  }
  return finish(*process, pipe_fds[0]);
}

bool no_child_left() {
  siginfo_t info{};
  return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG) < 0 && errno == ECHILD;
}

class ProcessesStartedAs : public ::testing::Test {
 protected:
  void SetUp() override { GUISE_REQUIRE_ROOT(); }
  testing::PrivateFiles files_;
};

TEST_F(ProcessesStartedAs, SpawnAsRunsTheProgramWithAllIdsAndGroupsOfTheTokenAndNoCapability) {
  auto ran = spawn_and_run(alice(), program({"/bin/cat", "/proc/self/status"}));
  ASSERT_TRUE(ran.ok()) << ran.status().to_string();
  EXPECT_EQ(ran->exit_code, 0);
  auto f = status_fields(ran->output);
  EXPECT_EQ(f["Uid"], "41001 41001 41001 41001");
  EXPECT_EQ(f["Gid"], "41001 41001 41001 41001");
  EXPECT_EQ(f["Groups"], "41001 42000");
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapAmb"}) EXPECT_EQ(f[set], "0000000000000000") << set;
}

TEST_F(ProcessesStartedAs, SpawnAsFromAThreadImpersonatingSomeoneElseStillRunsAsTheToken) {
  auto as_bob = impersonate(bob());
  ASSERT_TRUE(as_bob.ok());
  auto ran = spawn_and_run(alice(), program({"/bin/cat", "/proc/self/status"}));
  ASSERT_TRUE(ran.ok()) << ran.status().to_string();
  EXPECT_EQ(status_fields(ran->output)["Uid"], "41001 41001 41001 41001");
  EXPECT_EQ(read_proc_ids().uid, ids4(0, kBob, 0, kBob));  // this thread is bob again
  EXPECT_EQ(thread_token()->uid(), kBob);
}

TEST_F(ProcessesStartedAs, AnIdentifyLevelTokenCannotBecomeAProcess) {
  for (const Token& token : {Token::for_ids(kAlice, kAlice, {}, ImpersonationLevel::kIdentify), Token::anonymous()}) {
    auto process = spawn_as(token, program({"/bin/true"}));
    ASSERT_FALSE(process.ok());
    EXPECT_EQ(process.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(process.status().hresult(), HRESULT_FROM_WIN32(ERROR_BAD_IMPERSONATION_LEVEL));
  }
  EXPECT_TRUE(no_child_left());
}

TEST_F(ProcessesStartedAs, ErrorsOfTheChildComeBackAndLeaveNoChild) {
  auto missing = spawn_as(alice(), program({files_.dir() + "/no-such-program"}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().to_string();
  // A program only root may run: refused to alice by the kernel at exec.
  const std::string roots = files_.add("roots-program", 0, 0, 0700, "#!/bin/sh\nexit 0\n");
  auto refused = spawn_as(alice(), program({roots}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAccessDenied) << refused.status().to_string();
  // A working directory alice may not enter: checked as alice.
  const std::string closed = files_.dir() + "/closed";
  ASSERT_EQ(::mkdir(closed.c_str(), 0700), 0);
  SpawnOptions in_closed = program({"/bin/true"});
  in_closed.working_directory = closed;
  auto no_entry = spawn_as(alice(), in_closed);
  ASSERT_FALSE(no_entry.ok());
  EXPECT_EQ(no_entry.status().code(), StatusCode::kAccessDenied) << no_entry.status().to_string();
  EXPECT_TRUE(no_child_left());
}

TEST_F(ProcessesStartedAs, AProgramTheServerOpenedRunsWhereTheTokenCannotReachItsPath) {
  // A program below a folder alice cannot traverse: by path the kernel refuses her; by the descriptor
  // the server opened it runs as her (the file's own execute bit still counts).
  const std::string closed = files_.dir() + "/libexec";
  ASSERT_EQ(::mkdir(closed.c_str(), 0700), 0);
  const std::string copy = closed + "/true";
  {
    guise::UniqueFd in(::open("/bin/true", O_RDONLY | O_CLOEXEC));
    guise::UniqueFd out(::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755));
    ASSERT_TRUE(in.valid() && out.valid());
    char buffer[65536];
    for (ssize_t n; (n = ::read(in.get(), buffer, sizeof buffer)) > 0;) {
      ASSERT_EQ(::write(out.get(), buffer, static_cast<std::size_t>(n)), n);
    }
  }
  auto by_path = spawn_as(alice(), program({copy}));
  ASSERT_FALSE(by_path.ok());
  EXPECT_EQ(by_path.status().code(), StatusCode::kAccessDenied) << by_path.status().to_string();

  guise::UniqueFd opened(::open(copy.c_str(), O_PATH | O_CLOEXEC));
  ASSERT_TRUE(opened.valid());
  SpawnOptions by_descriptor = program({copy});
  by_descriptor.program_fd = opened.get();
  auto process = spawn_as(alice(), by_descriptor);
  ASSERT_TRUE(process.ok()) << process.status().to_string();
  siginfo_t info{};
  ASSERT_EQ(::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(process->pidfd.get()), &info, WEXITED), 0);
  EXPECT_EQ(info.si_code, CLD_EXITED);
  EXPECT_EQ(info.si_status, 0);
  EXPECT_TRUE(no_child_left());
}

TEST_F(ProcessesStartedAs, TheWorkingDirectoryIsEnteredAsTheToken) {
  const std::string home = files_.dir() + "/alice-home";
  ASSERT_EQ(::mkdir(home.c_str(), 0700), 0);
  ASSERT_EQ(::chown(home.c_str(), kAlice, kAlice), 0);
  SpawnOptions options = program({"/bin/pwd"});
  options.working_directory = home;
  auto ran = spawn_and_run(alice(), options);
  ASSERT_TRUE(ran.ok()) << ran.status().to_string();
  EXPECT_EQ(ran->output, home + "\n");
}

TEST_F(ProcessesStartedAs, DescriptorsAreInheritedOnlyWhenAskedFor) {
  const int leaky = ::open("/dev/null", O_RDONLY);  // deliberately not O_CLOEXEC
  ASSERT_GE(leaky, 0);
  const std::string probe = "/proc/self/fd/" + std::to_string(leaky);
  SpawnOptions options = program({"/usr/bin/test", "-e", probe});
  auto closed = spawn_and_run(alice(), options);
  options.inherit_handles = true;
  auto inherited = spawn_and_run(alice(), options);
  ::close(leaky);
  ASSERT_TRUE(closed.ok() && inherited.ok());
  EXPECT_EQ(closed->exit_code, 1);     // not there
  EXPECT_EQ(inherited->exit_code, 0);  // there
}

TEST_F(ProcessesStartedAs, WithoutSetuidOnlyTheProcessOwnIdsCanStartAProgram) {
  auto child = testing::run_in_child([] {
    // A non-root process without capabilities.
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kBob, kBob, kBob) != 0 || ::setresuid(kBob, kBob, kBob) != 0) {
      return 10;
    }
    auto refused = spawn_as(alice(), program({"/bin/true"}));
    if (refused.ok() || refused.status().hresult() != HRESULT_FROM_WIN32(ERROR_PRIVILEGE_NOT_HELD)) return 11;
    auto own = spawn_as(Token::for_ids(kBob, kBob, {}, ImpersonationLevel::kImpersonate), program({"/bin/true"}));
    if (!own.ok()) {
      testing::report(own.status().to_string());
      return 12;
    }
    siginfo_t info{};
    ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(own->pidfd.get()), &info, WEXITED);
    return info.si_status == 0 ? 0 : 13;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

TEST_F(ProcessesStartedAs, PosixSpawnFromAnImpersonatingThreadRunsWithTheProcesssRealIdAsCreateProcessDoes) {
  // Documented, not prevented: posix_spawn/vfork run no fork handlers, so the program keeps the
  // process's real uid (0) — and with it root's permitted capabilities at exec. Use spawn_as to run
  // a program as the caller.
  auto scope = impersonate(alice());
  ASSERT_TRUE(scope.ok());
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  pid_t pid = 0;
  char* const argv[] = {const_cast<char*>("/bin/cat"), const_cast<char*>("/proc/self/status"), nullptr};
  const int rc = ::posix_spawn(&pid, "/bin/cat", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  ASSERT_EQ(rc, 0);
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  auto f = status_fields(out);
  EXPECT_EQ(f["Uid"], "0 41001 41001 41001");  // real: the process's; exec made saved = effective
  EXPECT_NE(f["CapPrm"], "0000000000000000");  // root's permitted set, from the real uid 0
}

}  // namespace
}  // namespace guise::identity
