// A caller cannot signal, ptrace or read the memory of the thread that impersonates it (spec §4 L1, L7):
// the attack performed for real by a uid-41001 process against a root server in another process,
// while a thread of that server serves (and impersonates) a uid-41001 call.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <future>
#include <grp.h>

#include "identity/kernel_ids.h"
#include "integration/rpc/probe_interface.h"
#include "integration/rpc/rpc_fixture.h"
#include "integration/rpc/forked_server.h"
#include "rpc/server_call.h"
#include "support/child_process.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::rpc::testing {
namespace {

constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;
constexpr int kConnect = 2;
constexpr int kImpersonate = 3;

// kBlock, replaced: impersonates the caller, tells the test which thread serves it, and waits.
Status impersonate_and_wait(ServerCall& call, std::span<const std::byte>, std::vector<std::byte>& out) {
  GUISE_RETURN_IF_ERROR(call.impersonate_client());
  publish("tid=" + std::to_string(identity::current_tid()));
  const bool released = wait_for_release();
  const std::string text = std::string("released=") + (released ? "1" : "0") + "\n";
  out.assign(reinterpret_cast<const std::byte*>(text.data()), reinterpret_cast<const std::byte*>(text.data()) + text.size());
  return Status::Ok();
}

InterfaceRegistration probe_that_waits_impersonating() {
  InterfaceRegistration r = probe_interface();
  r.ops[kBlock] = impersonate_and_wait;
  return r;
}

std::string proc_line(pid_t pid, pid_t tid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      std::string value;
      for (char c : line.substr(key.size())) value += c == '\t' ? ' ' : c;
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      return value;
    }
  }
  return "?";
}

// Becomes uid/gid 41001 with no groups (a whole, single-threaded child process), then attacks.
std::map<std::string, std::string> attack_as_caller(pid_t server, pid_t tid) {
  auto result = guise::testing::run_in_child([&] {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kAlice, kAlice, kAlice) != 0 ||
        ::setresuid(kAlice, kAlice, kAlice) != 0) {
      return 10;
    }
    auto errno_of = [](long rc) { return rc == 0 ? 0 : errno; };
    std::string out;
    out += "tgkill0=" + std::to_string(errno_of(::syscall(SYS_tgkill, server, tid, 0))) + "\n";
    out += "kill0=" + std::to_string(errno_of(::kill(server, 0))) + "\n";
    out += "tgkill_stop=" + std::to_string(errno_of(::syscall(SYS_tgkill, server, tid, SIGSTOP))) + "\n";
    out += "tgkill_kill=" + std::to_string(errno_of(::syscall(SYS_tgkill, server, tid, SIGKILL))) + "\n";
    out += "kill_kill=" + std::to_string(errno_of(::kill(server, SIGKILL))) + "\n";
    const std::string mem = "/proc/" + std::to_string(server) + "/task/" + std::to_string(tid) + "/mem";
    const int fd = ::open(mem.c_str(), O_RDONLY | O_CLOEXEC);
    out += "open_mem=" + std::to_string(fd < 0 ? errno : 0) + "\n";
    if (fd >= 0) ::close(fd);
    out += "ptrace=" + std::to_string(errno_of(::ptrace(PTRACE_SEIZE, tid, nullptr, nullptr))) + "\n";
    guise::testing::report(out);
    return 0;
  });
  auto fields = parse_fields(result.output);
  fields["exit"] = std::to_string(result.exit_code);
  return fields;
}

TEST(RpcSignalTest, TheCallerCannotSignalTraceOrReadTheThreadImpersonatingIt) {
  GUISE_REQUIRE_ROOT();
  ForkedServer server(probe_that_waits_impersonating());

  // alice's call: the serving thread impersonates her and waits (client bounded at 20 s).
  auto call = std::async(std::launch::async, [&] {
    return call_as(kAlice, server.binding(), kConnect, kImpersonate, kBlock, {"--timeout-ms", "20000"});
  });
  auto event = server.next_event();
  ASSERT_TRUE(event.has_value() && event->rfind("tid=", 0) == 0) << (event ? *event : "no event");
  const pid_t tid = static_cast<pid_t>(std::stol(event->substr(4)));

  // The kernel's view of that thread: effective and fs ids are alice's, real and saved the server's.
  EXPECT_EQ(proc_line(server.pid(), tid, "Uid:"), "0 41001 0 41001");
  EXPECT_EQ(proc_line(server.pid(), tid, "Gid:"), "0 41001 0 41001");

  auto attack = attack_as_caller(server.pid(), tid);
  EXPECT_EQ(attack["exit"], "0");
  EXPECT_EQ(attack["tgkill0"], std::to_string(EPERM));
  EXPECT_EQ(attack["kill0"], std::to_string(EPERM));
  EXPECT_EQ(attack["tgkill_stop"], std::to_string(EPERM));
  EXPECT_EQ(attack["tgkill_kill"], std::to_string(EPERM));
  EXPECT_EQ(attack["kill_kill"], std::to_string(EPERM));
  EXPECT_NE(attack["open_mem"], "0");
  EXPECT_EQ(attack["ptrace"], std::to_string(EPERM));

  // The server survived, was not stopped, and finishes alice's call.
  EXPECT_TRUE(server.running());
  EXPECT_NE(proc_line(server.pid(), tid, "State:").rfind("T", 0), 0u) << "the serving thread is stopped";
  server.release();
  auto answered = parse_fields(call.get().output);
  EXPECT_EQ(answered["hresult"], "0x00000000");
  EXPECT_EQ(answered["released"], "1");

  // And keeps serving others.
  auto bob = parse_fields(call_as(kBob, server.binding(), kConnect, kImpersonate, kWhoAmI).output);
  EXPECT_EQ(bob["hresult"], "0x00000000");
  EXPECT_EQ(bob["uid"], std::to_string(kBob));
  const ProcessEnd end = server.stop();
  EXPECT_TRUE(end.exited);
  EXPECT_EQ(end.exit_code, 0) << "signal " << end.signal;
}

}  // namespace
}  // namespace guise::rpc::testing
