// The server side of COM call security across real processes (spec/com-call-security.md §3.1–§3.4):
// a root guise-callsec-server runs ISecurityProbe scripts inside calls made by clients running as
// uids 41001 (alice) and 41002 (bob); what the serving thread is, is read from
// /proc/self/task/<tid>/status and from files that open or are refused.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "integration/com/call_security_fixture.h"

namespace guise::com::testing {
namespace {

constexpr const char* kOk = "00000000";
const std::string kRoot = ids(0, 0, 0, 0);
const std::string kAsAlice = ids(0, kAlice, 0, kAlice);
const std::string kAsNobody = ids(0, kNobody, 0, kNobody);

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The spec §5 server: root, CoInitializeSecurity(SD = Everyone EXECUTE|EXECUTE_LOCAL, CONNECT, IDENTIFY).
SecurityServer fixture_server() { return start_security_server({"--init", "2", "2", "0", kEveryoneLocal}); }

using CallSecurity = CallSecurityTest;

TEST_F(CallSecurity, R1_OutsideACallEveryCallContextAnswerIsCallComplete) {
  SecurityServer server = fixture_server();
  ASSERT_TRUE(server.process->send("outside"));
  auto line = server.process->wait_for("outside ");
  ASSERT_TRUE(line);
  const std::string none = "gcc=80010117 ptr=null imp=80010117 rev=80010117 qcb=80010117";
  EXPECT_TRUE(has(*line, "mta[" + none + "]")) << *line;
  EXPECT_TRUE(has(*line, "nocom[" + none + "]")) << "no apartment is needed to answer 'no call': " << *line;
}

TEST_F(CallSecurity, R2_R3_InsideACallTheContextIsOneObjectForIUnknownAndIServerSecurity) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  const std::string out = alice.run("ctx");
  EXPECT_TRUE(has(out, "hr=00000000")) << out;
  EXPECT_TRUE(has(out, "unk=00000000 ss=00000000 same=1")) << out;
  EXPECT_TRUE(has(out, "other=80004002 otherptr=null")) << "R3: an interface the context lacks: " << out;
  EXPECT_TRUE(has(out, "nullppv=80004003")) << out;
}

TEST_F(CallSecurity, R4_A10_AKeptContextIsAliveButDeadAfterItsCall) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("keep;imp;status");
  EXPECT_TRUE(has(out, "keep=00000000; imp=00000000; " + kAsAlice)) << out;
  // The method returned while impersonating: the next call starts as the process (R21, R28).
  EXPECT_TRUE(has(alice.run("status"), kRoot + " groups= imp=0"));
  ASSERT_TRUE(server.process->send("kept"));
  auto kept = server.process->wait_for("kept ");
  ASSERT_TRUE(kept);
  EXPECT_TRUE(has(*kept, "qb=80010117 imp=80010117 rev=80010117 isimp=0")) << *kept;
  EXPECT_TRUE(has(*kept, "addref=2 release=1")) << "the kept pointer is still a COM object: " << *kept;
  EXPECT_TRUE(has(*kept, kRoot)) << "ImpersonateClient on a dead context changed nothing: " << *kept;
}

TEST_F(CallSecurity, R5_R22_TheContextServesItsApartmentOnly) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "6", "3"), kOk);
  const std::string mta = alice.run("sshelper:mta");
  EXPECT_TRUE(has(mta, "sshelper qb=00000000 level=6")) << "another MTA thread may query: " << mta;
  // A helper thread of the apartment impersonates for itself (R22) and its revert brings it back.
  EXPECT_TRUE(has(mta, "imp=00000000 rev=00000000 isimp=0 " + kRoot)) << mta;
  const std::string foreign = alice.run("sshelper:nocom");
  EXPECT_TRUE(has(foreign, "qb=8001010e level=0 imp=8001010e rev=8001010e isimp=0 " + kRoot)) << foreign;
}

TEST_F(CallSecurity, R6_R7_R33_CoSwitchCallContextSwapsWithoutReferenceCounting) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  const std::string out = alice.run("switch");
  EXPECT_TRUE(has(out, "switch away=00000000 oldsame=1 during=80010117 impduring=80010117 back=00000000 mine=null "
                       "nullold=80004003 again=00000000 againsame=1"))
      << out;
  const std::string other = alice.run("switchother;status");
  EXPECT_TRUE(has(other, "switchother away=00000000 got=00000000 same=1 imp=80004002 rev=80004002 qcb=80004002 "
                         "back=00000000 mine=1; "))
      << other;
}

TEST_F(CallSecurity, R8_TheRuntimeRestoresTheThreadsContextAfterEveryCall) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.run("switchaway;ctx"), "switchaway=00000000; ctx unk=80010117"));
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(has(alice.run("ctx"), "ctx unk=00000000 ss=00000000 same=1")) << "call " << i;
  }
}

TEST_F(CallSecurity, R9_R10_R11_R12_R13_R14_R15_R16_QueryBlanketDescribesTheCallAndItsCaller) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.run("blanketnull"), "qcbnull=00000000"));
  std::string out = alice.run("blanket");
  EXPECT_TRUE(has(out, "qcb=00000000 svc=10 authz=0 level=2 imp=2 caps=0 privs=Unix User\\41001 princ=Unix User\\root"))
      << out;
  ASSERT_EQ(alice.blanket("10", "6", "3"), kOk);
  out = alice.run("blanket");
  EXPECT_TRUE(has(out, "level=6 imp=3 caps=0 privs=Unix User\\41001")) << out;
}

TEST_F(CallSecurity, R13_R47_APrincipalThatCannotBeAllocatedIsEOutOfMemory) {
  // Task memory fails (an IMallocSpy refusing every allocation) while each side asks for a principal.
  SecurityServer server = start_security_server({"--init", "2", "2", "0", kEveryoneLocal});
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.run("blanketoom"), "qcboom=8007000e without=00000000"))
      << "the server's QueryBlanket: E_OUTOFMEMORY, and S_OK when no principal is asked for";
  EXPECT_EQ(alice.command("queryoom", "queryoom hr="), "8007000e") << "the proxy's QueryBlanket";
  EXPECT_TRUE(has(alice.run("blanket"), "qcb=00000000")) << "memory is back: the next call is served";
}

TEST_F(CallSecurity, R17_R20_R23_R25_A1_ImpersonateGivesTheKernelTheCallersIds) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("status;imp;status;open:" + path("alice") + ";open:" + path("bob") + ";open:" +
                                    path("root") + ";rev;open:" + path("root") + ";status");
  EXPECT_TRUE(has(out, "hr=00000000 " + kRoot + " groups= imp=0; imp=00000000; " + kAsAlice + " groups= imp=1; "
                       "open=0; open=13; open=13; rev=00000000; open=0; " + kRoot + " groups= imp=0"))
      << out;
}

TEST_F(CallSecurity, R62_DelegateIsImpersonateOnOneMachine) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "4"), kOk);
  const std::string out = alice.run("imp;status;open:" + path("alice") + ";blanket");
  EXPECT_TRUE(has(out, "imp=00000000; " + kAsAlice + " groups= imp=1; open=0; qcb=00000000 svc=10 authz=0 level=2 imp=4"))
      << out;
}

TEST_F(CallSecurity, R18_A4_LevelNoneCannotImpersonate) {
  SecurityServer server = start_security_server({"--init", "1", "2", "0", "null"});
  ASSERT_EQ(server.init, kOk);
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("0", "1", "3"), kOk);
  const std::string out = alice.run("imp;status;blanket;ssimp");
  EXPECT_TRUE(has(out, "imp=80010118; " + kRoot + " groups= imp=0; qcb=00000000 svc=0 authz=0 level=1")) << out;
  EXPECT_TRUE(has(out, "privs=null")) << out;
  EXPECT_TRUE(has(out, "imp=80010118")) << out;
}

TEST_F(CallSecurity, R19_R20_ImpersonationDoesNotNestAndOneRevertUndoesIt) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("rev;imp;ssimp;imp;status;rev;status;rev;status");
  EXPECT_TRUE(has(out, "rev=00000000; imp=00000000; imp=00000000; imp=00000000; " + kAsAlice + " groups= imp=1; "
                       "rev=00000000; " + kRoot + " groups= imp=0; rev=00000000; " + kRoot))
      << out;
}

TEST_F(CallSecurity, R21_R28_AForgottenRevertOrAThrowEndsWithTheCall) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  for (int i = 0; i < 20; ++i) {
    const std::string left = alice.run(i % 2 == 0 ? "imp" : "imp;throw");
    EXPECT_TRUE(has(left, i % 2 == 0 ? "hr=00000000 imp=00000000" : "hr=80010105")) << left;
    const std::string next = alice.run("status;open:" + path("root"));
    EXPECT_TRUE(has(next, kRoot + " groups= imp=0; open=0")) << "call " << i << ": " << next;
  }
}

TEST_F(CallSecurity, R25_A2_IdentifyNamesTheCallerButTheKernelSeesNobody) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);  // never calls CoInitializeSecurity: IDENTIFY (R37, R43)
  ASSERT_TRUE(alice.ready());
  const std::string out = alice.run("imp;status;open:" + path("alice") + ";blanket;accesscheck:O:SYG:SYD:(A!!0x1!!!"
                                    "S-1-22-1-41001);accesscheck:O:SYG:SYD:(A!!0x1!!!S-1-22-1-41002);rev;status");
  EXPECT_TRUE(has(out, "imp=00000000; " + kAsNobody + " groups= imp=1; open=13; qcb=00000000 svc=10 authz=0 "
                       "level=2 imp=2 caps=0 privs=Unix User\\41001"))
      << out;
  EXPECT_TRUE(has(out, "accesscheck=granted; accesscheck=denied; rev=00000000; " + kRoot))
      << "the identify-level token still names alice for AccessCheck: " << out;
}

TEST_F(CallSecurity, R25_TheUnprivilegedIdentityIsASetting) {
  SecurityServer server =
      start_security_server({"--init", "2", "2", "0", kEveryoneLocal}, std::nullopt, {"GUISE_UNPRIVILEGED_IDENTITY=41009:41019"});
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.run("imp;status;open:" + path("alice")), "imp=00000000; " + ids(0, 41009, 0, 41019) +
                                                                       " groups= imp=1; open=13"));
}

TEST_F(CallSecurity, R26_A3_AnonymousNamesNoOne) {
  {
    // Everyone does not include Anonymous Logon (as on Windows): the §5 fixture's descriptor refuses it.
    SecurityServer everyone = fixture_server();
    SecurityClient alice(everyone, kAlice);
    ASSERT_TRUE(alice.ready());
    ASSERT_EQ(alice.blanket("10", "2", "1"), kOk);
    EXPECT_TRUE(has(alice.run("status"), "hr=80070005"));
  }
  SecurityServer server = start_security_server({"--init", "2", "2", "0", "O:SYG:SYD:(A;;0x3;;;WD)(A;;0x3;;;AN)"});
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "1"), kOk);
  const std::string out = alice.run("imp;status;open:" + path("alice") + ";blanket");
  EXPECT_TRUE(has(out, "imp=00000000; " + kAsNobody + " groups= imp=1; open=13; qcb=00000000 svc=10 authz=0 level=2 "
                       "imp=1 caps=0 privs=NT AUTHORITY\\ANONYMOUS LOGON"))
      << out;
  EXPECT_FALSE(has(out, "41001")) << "nothing the server can query names the caller: " << out;
}

TEST_F(CallSecurity, R27_AServerWithoutSetidCapabilitiesFailsClosed) {
  SecurityServer server = start_security_server({"--nocap", "--init", "2", "2", "0", kEveryoneLocal});
  ASSERT_EQ(server.init, kOk);
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  std::string out = alice.run("imp;status;open:" + path("root") + ";blanket");
  EXPECT_TRUE(has(out, "imp=80010123; " + kRoot + " groups= imp=0; open=0; qcb=00000000")) << out;
  EXPECT_TRUE(has(out, "privs=Unix User\\41001")) << "QueryBlanket still names the caller: " << out;
  // A caller with the server's own ids at IMPERSONATE: nothing to switch.
  SecurityClient root(server, std::nullopt);
  ASSERT_TRUE(root.ready());
  ASSERT_EQ(root.blanket("10", "2", "3"), kOk);
  out = root.run("imp;status");
  EXPECT_TRUE(has(out, "imp=00000000; " + kRoot)) << out;
  // At IDENTIFY its kernel view is nobody: that needs a switch, which fails.
  ASSERT_EQ(root.blanket("10", "2", "2"), kOk);
  EXPECT_TRUE(has(root.run("imp;status"), "imp=80010123; " + kRoot));
}

TEST_F(CallSecurity, R31_A6_MtaThreadsCarryNoIdentityBetweenCalls) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  SecurityClient bob(server, kBob);
  ASSERT_TRUE(alice.ready());
  ASSERT_TRUE(bob.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  ASSERT_EQ(bob.blanket("10", "2", "3"), kOk);
  for (int i = 0; i < 200; ++i) {
    const std::string a = alice.run("status;imp;status");
    EXPECT_TRUE(has(a, kRoot + " groups= imp=0; imp=00000000; " + kAsAlice)) << "alice call " << i << ": " << a;
    const std::string b = bob.run("status");
    EXPECT_TRUE(has(b, kRoot + " groups= imp=0")) << "bob call " << i << ": " << b;
    ASSERT_FALSE(has(b, "41001")) << "bob's call saw alice's uid: " << b;
  }
}

}  // namespace
}  // namespace guise::com::testing

namespace guise::com::testing {
namespace {

// Calls per soaking client (GUISE_CALLSEC_SOAK_CALLS; the full soak is 100000 in total).
long soak_calls() {
  const char* text = std::getenv("GUISE_CALLSEC_SOAK_CALLS");
  return text != nullptr ? std::max(1L, std::atol(text)) : 1500;
}

TEST_F(CallSecurity, R21_R28_R31_R32_MtaSoakLeavesEveryServerThreadAsTheProcess) {
  SecurityServer server = fixture_server();
  SecurityClient alice(server, kAlice);
  SecurityClient bob(server, kBob);
  SecurityClient doomed(server, kAlice);
  for (SecurityClient* c : {&alice, &bob, &doomed}) {
    ASSERT_TRUE(c->ready());
    ASSERT_EQ(c->blanket("10", "2", "3"), "00000000");
  }
  const long calls = soak_calls();
  ASSERT_TRUE(doomed.start_soak(calls));
  ASSERT_TRUE(alice.start_soak(calls));
  ASSERT_TRUE(bob.start_soak(calls));
  doomed.kill();  // a client killed with calls in flight
  for (SecurityClient* c : {&alice, &bob}) {
    const std::string result = c->soak_result(std::chrono::seconds(100));
    EXPECT_EQ(result, "calls=" + std::to_string(calls) + " bad=0 first=") << result;
  }
  ASSERT_TRUE(server.process->send("threads"));
  auto threads = server.process->wait_for("threads ");
  ASSERT_TRUE(threads);
  EXPECT_TRUE(threads->find("foreign=0") != std::string::npos) << "a server thread is not the process: " << *threads;
  ASSERT_TRUE(server.process->send("probes"));
  EXPECT_EQ(server.process->wait_for("probes="), "1") << "only the exported probe is alive";
}

TEST_F(CallSecurity, R24_R29_IdsChangedBehindTheRuntimesBackAbortTheServer) {
  SecurityServer server = fixture_server();
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, server.process->pid(), 0));
  ASSERT_GE(pidfd, 0);
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  const std::string out = alice.run("rogue");
  EXPECT_FALSE(has(out, "hr=00000000")) << "no reply may leave a thread running as the wrong user: " << out;
  pollfd exited{pidfd, POLLIN, 0};
  ASSERT_EQ(::poll(&exited, 1, 30000), 1) << "the server kept running";
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ(info.si_status, SIGABRT) << "the end-of-call check aborts the process";
  ::close(pidfd);
}

}  // namespace
}  // namespace guise::com::testing
