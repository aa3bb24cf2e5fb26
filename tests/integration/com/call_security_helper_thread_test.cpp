// Helper threads impersonating through a call's context (spec R22, R23) across real processes: a root
// guise-callsec-server whose method starts threads in its MTA that impersonate the caller (alice,
// 41001) through the call's IServerSecurity. What each thread is, is read by the kernel's view
// (/proc/<pid>/task/<tid>/status, in the server and from this test) and by files that open or not.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "integration/com/call_security_fixture.h"

namespace guise::com::testing {
namespace {

constexpr const char* kOk = "00000000";
const std::string kRootIds = ids(0, 0, 0, 0);
const std::string kAliceIds = ids(0, kAlice, 0, kAlice);

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

SecurityServer fixture_server() { return start_security_server({"--init", "2", "2", "0", kEveryoneLocal}); }

// The tid in "... tid=<n> ..." of a transcript, or 0.
pid_t tid_in(const std::string& text) {
  const std::size_t at = text.find("tid=");
  return at == std::string::npos ? 0 : static_cast<pid_t>(std::stol(text.substr(at + 4)));
}

using CallSecurityHelperThread = CallSecurityTest;

TEST_F(CallSecurityHelperThread, R22_HelperThreadImpersonatesIndependently) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("helpers2");
  EXPECT_TRUE(has(out, "hr=00000000 helpers2 imp1=00000000 imp2=00000000")) << out;
  EXPECT_TRUE(has(out, "both1=" + kAliceIds + " both2=" + kAliceIds)) << "both helpers are alice: " << out;
  // The first reverts; the second is untouched, and so is the serving thread, which never impersonated.
  EXPECT_TRUE(has(out, "rev1=00000000 isimp1=0 isimp2=1")) << out;
  EXPECT_TRUE(has(out, "t1=" + kRootIds + " t2=" + kAliceIds)) << "one revert must not touch the other: " << out;
  EXPECT_TRUE(has(out, "serving=" + kRootIds + " servingimp=0")) << out;
  EXPECT_TRUE(has(out, "rev2=00000000 after2=" + kRootIds)) << out;
  // Nothing is left as alice.
  ASSERT_TRUE(server.process->send("threads"));
  auto threads = server.process->wait_for("threads ");
  ASSERT_TRUE(threads);
  EXPECT_TRUE(has(*threads, "foreign=0")) << *threads;
}

TEST_F(CallSecurityHelperThread, R22_HelperThreadRevertedWhenCallEnds) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  // The helper impersonates alice, fails to open root's 0600 file, and blocks without reverting; the
  // method returns meanwhile.
  const std::string out = alice.run("leavehelper:" + path("root"));
  EXPECT_TRUE(has(out, "hr=00000000 leavehelper tid=")) << out;
  EXPECT_TRUE(has(out, "imp=00000000 open=13 isimp=1 " + kAliceIds)) << "the helper really was alice: " << out;
  const pid_t helper = tid_in(out);
  ASSERT_NE(helper, 0) << out;
  // The reply is here: the runtime has reverted the helper, which is still blocked in the server.
  EXPECT_EQ(thread_ids_of(server.process->pid(), helper), kRootIds)
      << "a helper must not outlive its call as the caller";
  ASSERT_TRUE(server.process->send("threads"));
  auto threads = server.process->wait_for("threads ");
  ASSERT_TRUE(threads);
  EXPECT_TRUE(has(*threads, "foreign=0")) << *threads;
  // Released, the helper acts as the process: root's file opens; the dead context says so (R4, R23).
  ASSERT_TRUE(server.process->send("release"));
  auto released = server.process->wait_for("released ");
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, "open=0 " + kRootIds + " isimp=0 rev=80010117 then=" + kRootIds);
  // The server serves on, every call starting as the process.
  EXPECT_TRUE(has(alice.run("status"), "hr=00000000 " + kRootIds + " groups= imp=0"));
}

TEST_F(CallSecurityHelperThread, R22_HelperThreadThatExitsWhileImpersonatingLeavesNothing) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("exithelper;status");
  EXPECT_EQ(out, "hr=00000000 exithelper imp=00000000 " + kAliceIds + "; " + kRootIds + " groups= imp=0") << out;
  ASSERT_TRUE(server.process->send("threads"));
  auto threads = server.process->wait_for("threads ");
  ASSERT_TRUE(threads);
  EXPECT_TRUE(has(*threads, "foreign=0")) << *threads;
  EXPECT_TRUE(has(alice.run("status"), "hr=00000000 " + kRootIds + " groups= imp=0"));
}

TEST_F(CallSecurityHelperThread, R22_HelperThreadThatCannotBeRevertedAbortsTheServer) {
  SecurityServer server = fixture_server();
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, server.process->pid(), 0));
  ASSERT_GE(pidfd, 0);
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  // The helper blocks the revert signal, impersonates alice and waits: the call's end cannot revert it.
  const std::string out = alice.run("blockhelper:" + path("root"));
  EXPECT_FALSE(has(out, "hr=00000000")) << "no reply may leave a helper running as the caller: " << out;
  pollfd exited{pidfd, POLLIN, 0};
  ASSERT_EQ(::poll(&exited, 1, 60000), 1) << "the server kept running";
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ(info.si_status, SIGABRT) << "an unrevertable helper aborts the process";
  ::close(pidfd);
}

}  // namespace
}  // namespace guise::com::testing
