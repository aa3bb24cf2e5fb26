// Asynchronous server objects across real processes (spec §3.9 R59–R61, scenario A8; docs/async.md):
// guise-callsec-server --async exports a probe whose ICallFactory makes the runtime process each Run
// call asynchronously — the script runs inside Begin_Run, "signal" calls ISynchronize::Signal on the
// runtime's control object. The clients are the ordinary synchronous guise-callsec-client (uid 41001
// alice, 41002 bob): on the wire an asynchronous call is a synchronous one. What the serving thread
// is, is read from /proc/self/task/<tid>/status and from files that open or are refused.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "integration/com/call_security_fixture.h"

namespace guise::com::testing {
namespace {

constexpr const char* kOk = "00000000";
const std::string kRoot = ids(0, 0, 0, 0);
const std::string kAsAlice = ids(0, kAlice, 0, kAlice);

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The spec §5 server (CONNECT, IDENTIFY, Everyone may call), processing asynchronously; `sta`: its
// probe lives in the main thread's STA.
SecurityServer async_server(bool sta) {
  std::vector<std::string> args{"--async", "--init", "2", "2", "0", kEveryoneLocal};
  if (sta) args.insert(args.begin(), "--sta");
  return start_security_server(args);
}

// The probe's "gate:<dir>" FIFOs, both ends held here so no open blocks.
class Gate {
 public:
  explicit Gate(const std::string& dir) : dir_(dir) {
    if (::mkfifo((dir + "/entered").c_str(), 0600) != 0 || ::mkfifo((dir + "/go").c_str(), 0600) != 0) return;
    entered_ = ::open((dir + "/entered").c_str(), O_RDWR | O_CLOEXEC);
    go_ = ::open((dir + "/go").c_str(), O_RDWR | O_CLOEXEC);
  }
  ~Gate() {
    if (entered_ >= 0) ::close(entered_);
    if (go_ >= 0) ::close(go_);
  }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  bool ok() const { return entered_ >= 0 && go_ >= 0; }
  const std::string& dir() const { return dir_; }
  // The probe reached the gate (≤ 30 s).
  bool wait_entered() {
    pollfd ready{entered_, POLLIN, 0};
    char byte = 0;
    return ::poll(&ready, 1, 30'000) == 1 && ::read(entered_, &byte, 1) == 1;
  }
  bool open_gate() {
    const char byte = 'g';
    return ::write(go_, &byte, 1) == 1;
  }

 private:
  std::string dir_;
  int entered_ = -1;
  int go_ = -1;
};

class CallSecurityAsync : public CallSecurityTest, public ::testing::WithParamInterface<bool> {
 protected:
  bool sta() const { return GetParam(); }
};

// R59: Begin_ runs inside the call — the context is current and ImpersonateClient changes the serving
// thread's kernel ids; a synchronous client cannot tell the server processed asynchronously.
TEST_P(CallSecurityAsync, R59_BeginRunsInsideTheCallAndImpersonates) {
  SecurityServer server = async_server(sta());
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("ctx;status;imp;status;open:" + path("alice") + ";open:" + path("root") +
                                    ";blanket;rev;status;open:" + path("alice"));
  EXPECT_TRUE(has(out, "hr=00000000 ")) << out;
  EXPECT_TRUE(has(out, "ctx unk=00000000 ss=00000000 same=1")) << out;
  EXPECT_TRUE(has(out, "; " + kRoot + " groups= imp=0; imp=00000000; " + kAsAlice)) << out;
  EXPECT_TRUE(has(out, kAsAlice + " groups= imp=1; open=0; open=13; qcb=00000000")) << out;
  EXPECT_TRUE(has(out, "rev=00000000; " + kRoot + " groups= imp=0")) << out;
  ASSERT_TRUE(server.process->send("runs"));
  auto runs = server.process->wait_for("runs=");
  ASSERT_TRUE(runs);
  EXPECT_EQ(*runs, "1");
}

// A8 (R60, R61): impersonate, Signal; the thread still is alice (Signal does not revert) and says so,
// a new ImpersonateClient is RPC_E_CALL_COMPLETE, QueryBlanket still answers, RevertToSelf reverts;
// the next call on the thread starts as the process.
TEST_P(CallSecurityAsync, A8_R60_R61_AfterSignalTheContextIsSignalledNotDead) {
  SecurityServer server = async_server(sta());
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("imp;status;signal;status;open:" + path("alice") + ";open:" + path("root") +
                                    ";imp;ssimp;status;blanket;rev;status;imp;signal;testcancel");
  EXPECT_TRUE(has(out, "hr=00000000 imp=00000000; " + kAsAlice + " groups= imp=1; signal=00000000; ")) << out;
  EXPECT_TRUE(has(out, "signal=00000000; " + kAsAlice + " groups= imp=1; open=0; open=13; ")) << "R61: " << out;
  EXPECT_TRUE(has(out, "open=13; imp=80010117; imp=80010117; " + kAsAlice + " groups= imp=1; qcb=00000000"))
      << "R60: " << out;
  EXPECT_TRUE(has(out, "rev=00000000; " + kRoot + " groups= imp=0; imp=80010117; signal=80010117; " +
                           "testcancel=80010117"))
      << "a second Signal, TestCancel after Signal: " << out;
  EXPECT_TRUE(has(alice.run("status"), kRoot + " groups= imp=0"));
}

// R61: an impersonation made before Signal and never reverted lasts until Begin_ returns — then the
// call's scope ends it as a synchronous call's (R21): no thread of the server is left as alice.
TEST_P(CallSecurityAsync, R61_ImpersonationBeforeSignalEndsWithBegin) {
  SecurityServer server = async_server(sta());
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("imp;signal;status;keep");
  EXPECT_TRUE(has(out, "hr=00000000 imp=00000000; signal=00000000; " + kAsAlice + " groups= imp=1")) << out;
  ASSERT_TRUE(server.process->send("threads"));
  auto threads = server.process->wait_for("threads ");
  ASSERT_TRUE(threads);
  EXPECT_TRUE(has(*threads, "foreign=0")) << *threads;
  // R4 once Begin_ returned: the kept context is dead.
  ASSERT_TRUE(server.process->send("kept"));
  auto kept = server.process->wait_for("kept ");
  ASSERT_TRUE(kept);
  EXPECT_TRUE(has(*kept, "qb=80010117 imp=80010117 rev=80010117 isimp=0")) << *kept;
  EXPECT_TRUE(has(alice.run("status"), kRoot + " groups= imp=0"));
}

// Begin_ returns before anyone signals; another thread finishes the work later and signals, and only
// then is Finish_ called and the reply sent. Meanwhile the server serves other calls.
TEST_P(CallSecurityAsync, SignalFromAnotherThreadLaterSendsTheReplyThen) {
  SecurityServer server = async_server(sta());
  Gate gate(dir_);
  ASSERT_TRUE(gate.ok());
  SecurityClient alice(server, kAlice);
  SecurityClient bob(server, kBob);
  ASSERT_TRUE(alice.ready() && bob.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  ASSERT_TRUE(alice.send_run("imp;status;later;status;testcancel;gate:" + gate.dir() + ";status"));
  ASSERT_TRUE(gate.wait_entered());
  // Begin_ has returned (the later thread runs): the serving thread serves bob meanwhile.
  EXPECT_TRUE(has(bob.run("status"), "hr=00000000 " + kRoot + " groups= imp=0"));
  ASSERT_TRUE(gate.open_gate());
  const std::string out = alice.run_result();
  EXPECT_TRUE(has(out, "hr=00000000 imp=00000000; " + kAsAlice + " groups= imp=1; later tid=")) << out;
  // The later thread is not in the call (no context, the process's ids); the call is still pending.
  EXPECT_TRUE(has(out, kRoot + " groups= imp=nocall; testcancel=80010115; gate=go; " + kRoot)) << out;
  ASSERT_TRUE(server.process->send("threads"));
  auto threads = server.process->wait_for("threads ");
  ASSERT_TRUE(threads);
  EXPECT_TRUE(has(*threads, "foreign=0")) << *threads;
}

// Begin_ failing: the client gets its HRESULT as the call's failure; Finish_ is never called.
TEST_P(CallSecurityAsync, BeginFailureIsTheCallsFailure) {
  SecurityServer server = async_server(sta());
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.run("status;fail:80070005"), "hr=80070005")) << "E_ACCESSDENIED from Begin_";
  EXPECT_TRUE(has(alice.run("signal;fail:8007000e"), "hr=8007000e")) << "signalled, then Begin_ failed";
  EXPECT_TRUE(has(alice.run("status"), "hr=00000000 " + kRoot));
}

// The control object's ISynchronize: Wait(0) is RPC_S_CALLPENDING until Signal, S_OK after; Reset is
// S_OK before Signal and RPC_E_CALL_COMPLETE after (a completing call cannot be taken back).
TEST_P(CallSecurityAsync, ControlObjectWaitAndResetFollowSignal) {
  SecurityServer server = async_server(sta());
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.run("wait;reset;signal;wait;reset"),
                  "hr=00000000 wait=80010115; reset=00000000; signal=00000000; wait=00000000; reset=80010117"));
}

// A call object released without Signal — inside Begin_ or later on another thread — faults the call
// (RPC_E_SERVERFAULT) rather than leave the client waiting.
TEST_P(CallSecurityAsync, ReleasedWithoutSignalFaultsTheCall) {
  SecurityServer server = async_server(sta());
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.run("status;nosignal"), "hr=80010105")) << "released as Begin_ returns";
  EXPECT_TRUE(has(alice.run("later;nosignal;status"), "hr=80010105")) << "released by the later thread";
  EXPECT_TRUE(has(alice.run("status"), "hr=00000000 " + kRoot));
}

// ICancelMethodCalls::TestCancel on the control object: RPC_S_CALLPENDING while the client waits,
// RPC_E_CALL_CANCELED once it gave the call up (the client process died: orphaned, connection gone).
TEST_P(CallSecurityAsync, TestCancelSeesTheClientGiveUp) {
  SecurityServer server = async_server(sta());
  Gate gate(dir_);
  ASSERT_TRUE(gate.ok());
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_TRUE(alice.send_run("later;testcancel;gate:" + gate.dir() + ";waitcancel;testcancel"));
  ASSERT_TRUE(gate.wait_entered());
  alice.kill();
  ASSERT_TRUE(gate.open_gate());
  ASSERT_TRUE(server.process->send("lastasync"));
  auto last = server.process->wait_for("lastasync ");
  ASSERT_TRUE(last);
  EXPECT_TRUE(has(*last, "testcancel=80010115; gate=go; waitcancel=80010002; testcancel=80010002")) << *last;
  // The server serves on.
  SecurityClient bob(server, kBob);
  ASSERT_TRUE(bob.ready());
  EXPECT_TRUE(has(bob.run("testcancel;status"), "hr=00000000 testcancel=80010115; " + kRoot));
}

INSTANTIATE_TEST_SUITE_P(Apartments, CallSecurityAsync, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& apartment) { return apartment.param ? "Sta" : "Mta"; });

}  // namespace
}  // namespace guise::com::testing
