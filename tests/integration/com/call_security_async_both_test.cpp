// Asynchronous on both sides across real processes (spec §3.9 R57–R61, scenario A8; docs/async.md):
// guise-callsec-client drives call objects (ICallFactory::CreateCall on its proxy, Begin_Run/Finish_Run)
// against guise-callsec-server --async, whose probe processes every Run asynchronously (the script runs
// inside the server's Begin_Run; "later" hands the rest to another server thread, which signals at its
// end). Server MTA and server STA. Who the serving thread is, is what the server's kernel shows
// (/proc/self/task/<tid>/status Uid: line, files that open or are refused), never what a side says.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "com/async_call_engine.h"
#include "integration/com/call_security_fixture.h"

namespace guise::com::testing {
namespace {

constexpr const char* kOk = "00000000";
constexpr const char* kCallPending = "80010115";   // RPC_S_CALLPENDING
constexpr const char* kCallComplete = "80010117";  // RPC_E_CALL_COMPLETE
constexpr const char* kCanceled = "80010002";      // RPC_E_CALL_CANCELED
const std::string kRoot = ids(0, 0, 0, 0);
const std::string kAsAlice = ids(0, kAlice, 0, kAlice);

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
std::string hr_of(const std::string& answer) { return answer.substr(0, 8); }

class CallSecurityAsyncBoth : public CallSecurityTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    CallSecurityTest::SetUp();
    std::vector<std::string> args{"--async", "--init", "2", "2", "0", kEveryoneLocal};
    if (GetParam()) args.insert(args.begin(), "--sta");
    server_ = start_security_server(args);
  }
  void TearDown() override {
    if (entered_ >= 0) ::close(entered_);
    if (go_ >= 0) ::close(go_);
    CallSecurityTest::TearDown();
  }
  // The probe's "gate:<dir>" step: both FIFOs held open here at both ends, so no open blocks.
  std::string make_gate() {
    const std::string entered = path("entered"), go = path("go");
    if (::mkfifo(entered.c_str(), 0600) != 0 || ::mkfifo(go.c_str(), 0600) != 0) return "";
    entered_ = ::open(entered.c_str(), O_RDWR | O_CLOEXEC);
    go_ = ::open(go.c_str(), O_RDWR | O_CLOEXEC);
    return entered_ >= 0 && go_ >= 0 ? "gate:" + dir_ : "";
  }
  // Waits (≤ 30 s) until the server's script reached the gate.
  bool entered() {
    pollfd inside{entered_, POLLIN, 0};
    char byte = 0;
    return ::poll(&inside, 1, 30'000) == 1 && ::read(entered_, &byte, 1) == 1;
  }
  bool open_gate() {
    const char byte = 'g';
    return ::write(go_, &byte, 1) == 1;
  }
  // The transcript of the server's last "later" run ("lastasync ..." on its stdin).
  std::string last_async() {
    if (!server_.process->send("lastasync")) return "";
    return server_.process->wait_for("lastasync ").value_or("");
  }

  SecurityServer server_;
  int entered_ = -1;
  int go_ = -1;
};

// R59: the async client's Begin_ reaches the server's Begin_, which runs inside the call: the context
// is current and ImpersonateClient makes the serving thread alice in the kernel; Finish_ brings back
// what the server's Finish_ returned.
TEST_P(CallSecurityAsyncBoth, R59_AsyncClientReachesTheServersBeginInsideTheCall) {
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);  // CONNECT, IMPERSONATE: copied by CreateCall
  ASSERT_EQ(alice.command("abegin c ctx;imp;status;open:" + path("alice") + ";open:" + path("root") + ";rev;status",
                          "abegin hr="),
            kOk);
  const std::string out = alice.command("afinish c", "afinish hr=");
  EXPECT_EQ(hr_of(out), kOk) << out;
  EXPECT_TRUE(has(out, "imp=00000000; " + kAsAlice + " groups= imp=1; open=0; open=13; rev=00000000; " + kRoot))
      << out;
  EXPECT_EQ(hr_of(alice.command("afinish c", "afinish hr=")), kCallComplete) << "a second Finish_";
}

// R60, R61 (A8) through an async client: after the server's Signal, ImpersonateClient is
// RPC_E_CALL_COMPLETE while Begin_ still runs; the impersonation made before Signal lasts until
// RevertToSelf; the next call on the server starts at the process identity.
TEST_P(CallSecurityAsyncBoth, A8_R60_R61_SignalInsideBeginAsSeenByAnAsyncClient) {
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  ASSERT_EQ(alice.command("abegin c imp;signal;imp;status;open:" + path("alice") + ";rev;status", "abegin hr="),
            kOk);
  const std::string out = alice.command("afinish c", "afinish hr=");
  EXPECT_TRUE(has(out, "imp=00000000; signal=00000000; imp=80010117; " + kAsAlice)) << out;
  EXPECT_TRUE(has(out, "open=0; rev=00000000; " + kRoot)) << out;
  // R61: Begin_ returned while impersonating — the next call on that server starts as the process.
  ASSERT_EQ(alice.command("abegin c imp;status", "abegin hr="), kOk);
  EXPECT_TRUE(has(alice.command("afinish c", "afinish hr="), "imp=00000000; " + kAsAlice));
  ASSERT_EQ(alice.command("abegin c status", "abegin hr="), kOk);
  EXPECT_EQ(alice.command("afinish c", "afinish hr="), std::string(kOk) + " " + kRoot + " groups= imp=0");
}

// Begin_ returns on both sides before the work is done: the client's call object stays pending
// (Wait → RPC_S_CALLPENDING, TestCancel → RPC_S_CALLPENDING) until another server thread signals;
// the client's runtime then notices the reply without anyone waiting.
TEST_P(CallSecurityAsyncBoth, R57_R59_ServerSignalsLaterFromAnotherThread) {
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  ASSERT_EQ(alice.command("abegin c imp;status;later;status;" + gate + ";testcancel", "abegin hr="), kOk);
  ASSERT_TRUE(entered()) << "the server's later thread never reached the gate";
  EXPECT_EQ(alice.command("await c 0", "await hr="), kCallPending);
  EXPECT_EQ(alice.command("atest c", "atest hr="), kCallPending);
  // The server's serving thread is free: the same client calls synchronously meanwhile.
  EXPECT_TRUE(has(alice.run("status"), "hr=00000000 " + kRoot)) << "served while the async call waits";
  ASSERT_TRUE(open_gate());
  EXPECT_EQ(alice.command("ahandle c", "ahandle hr="), "00000000 wait=0");
  const std::string out = alice.command("afinish c", "afinish hr=");
  EXPECT_TRUE(has(out, "imp=00000000; " + kAsAlice + " groups= imp=1; later tid=")) << out;
  // The later thread is outside the call: the process's ids, no context; the call was still pending.
  EXPECT_TRUE(has(out, kRoot + " groups= imp=nocall; gate=go; testcancel=80010115")) << out;
}

// Cancellation end to end: the client's ICancelMethodCalls::Cancel reaches the server, whose
// TestCancel turns RPC_E_CALL_CANCELED; the client's Finish_ returns RPC_E_CALL_CANCELED.
TEST_P(CallSecurityAsyncBoth, A8_CancelOfALongCallReachesTheServer) {
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  ASSERT_EQ(alice.command("abegin c imp;status;rev;later;testcancel;" + gate + ";waitcancel;testcancel", "abegin hr="),
            kOk);
  ASSERT_TRUE(entered());
  EXPECT_EQ(alice.command("atest c", "atest hr="), kCallPending);
  EXPECT_EQ(alice.command("acancel c", "acancel hr="), kOk);
  EXPECT_EQ(alice.command("atest c", "atest hr="), kCanceled);
  EXPECT_EQ(hr_of(alice.command("afinish c", "afinish hr=")), kCanceled);
  ASSERT_TRUE(open_gate());
  const std::string last = last_async();
  // Begin_ ran as alice in the kernel; the later thread saw the call pending, then cancelled.
  EXPECT_TRUE(has(last, "imp=00000000; " + kAsAlice + " groups= imp=1; rev=00000000; later tid=")) << last;
  EXPECT_TRUE(has(last, "testcancel=80010115; gate=go; waitcancel=80010002; testcancel=80010002")) << last;
  // The call object takes the next call, on a fresh connection; the server serves on.
  ASSERT_EQ(alice.command("abegin c status", "abegin hr="), kOk);
  EXPECT_EQ(alice.command("afinish c", "afinish hr="), std::string(kOk) + " " + kRoot + " groups= imp=0");
}

// ICancelMethodCalls::Cancel(ulSeconds) waits up to ulSeconds for the server's answer before
// abandoning the call: a server that notices the cancellation and signals within that time completes
// the call normally — Finish_ returns what the server's Finish_ returned.
TEST_P(CallSecurityAsyncBoth, R57_CancelWithSecondsTakesTheServersAnswer) {
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.command("abegin c later;" + gate + ";waitcancel;status", "abegin hr="), kOk);
  ASSERT_TRUE(entered());  // the call is in the server, its reply deferred
  EXPECT_EQ(alice.command("acancel c 60", "acancel hr="), kOk);
  EXPECT_EQ(alice.command("atest c", "atest hr="), kCanceled);
  ASSERT_TRUE(open_gate());
  const std::string out = alice.command("afinish c", "afinish hr=");
  EXPECT_TRUE(has(out, std::string(kOk) + " later tid=")) << out;
  EXPECT_TRUE(has(out, "gate=go; waitcancel=80010002; " + kRoot)) << out;
  EXPECT_EQ(hr_of(alice.command("afinish c", "afinish hr=")), kCallComplete);
  // A call object whose cancelled call was answered takes the next call.
  ASSERT_EQ(alice.command("abegin c status", "abegin hr="), kOk);
  EXPECT_EQ(alice.command("afinish c", "afinish hr="), std::string(kOk) + " " + kRoot + " groups= imp=0");
}

// Cancel(ulSeconds) with a server that does not answer in time: when the seconds are up the call is
// abandoned (orphaned, its connection closed) and Finish_ returns RPC_E_CALL_CANCELED; the server's
// TestCancel sees the cancellation.
TEST_P(CallSecurityAsyncBoth, R57_CancelAbandonsTheCallWhenItsSecondsAreUp) {
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.command("abegin c later;" + gate + ";waitcancel", "abegin hr="), kOk);
  ASSERT_TRUE(entered());
  EXPECT_EQ(alice.command("acancel c 1", "acancel hr="), kOk);
  // Finish_ waits for the engine to give the call up (one second after Cancel): the gate is still shut.
  EXPECT_EQ(hr_of(alice.command("afinish c", "afinish hr=")), kCanceled);
  ASSERT_TRUE(open_gate());
  EXPECT_TRUE(has(last_async(), "gate=go; waitcancel=80010002")) << "the server saw the cancellation";
}

// R58 with an async server: a call begun while the client thread impersonated alice (dynamic
// cloaking) and sent later by the client's runtime after the thread reverted still arrives as alice.
TEST_P(CallSecurityAsyncBoth, R58_IdentityOfBeginReachesAnAsyncServer) {
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient root(server_, std::nullopt);  // may impersonate
  ASSERT_TRUE(root.ready());
  constexpr int kGated = static_cast<int>(kMaxAsyncCallsOnWire);
  for (int i = 0; i < kGated; ++i) {
    ASSERT_EQ(root.command("abegin g" + std::to_string(i) + " " + gate, "abegin hr="), kOk);
  }
  // None can complete before the gate opens (an STA server runs them one after the other).
  ASSERT_TRUE(entered());
  ASSERT_EQ(root.command("ablanket who 2 3 0x40", "ablanket hr="), kOk);  // dynamic cloaking
  ASSERT_EQ(root.command("aimp 41001", "aimp hr="), kOk);
  ASSERT_EQ(root.command("abegin who imp;status;open:" + path("alice") + ";open:" + path("root"), "abegin hr="),
            kOk);
  EXPECT_EQ(root.command("arev", "arev"), "");
  for (int i = 0; i < kGated; ++i) ASSERT_TRUE(open_gate());
  for (int i = 0; i < kGated; ++i) {
    EXPECT_EQ(hr_of(root.command("afinish g" + std::to_string(i), "afinish hr=")), kOk);
  }
  const std::string queued = root.command("afinish who", "afinish hr=");
  EXPECT_TRUE(has(queued, "imp=00000000; " + kAsAlice + " groups= imp=1; open=0; open=13")) << queued;
}

INSTANTIATE_TEST_SUITE_P(ServerApartments, CallSecurityAsyncBoth, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& apartment) {
                           return apartment.param ? "StaServer" : "MtaServer";
                         });

}  // namespace
}  // namespace guise::com::testing
