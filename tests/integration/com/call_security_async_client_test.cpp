// Asynchronous calls from the client side (spec R57, R58; docs/async.md): guise-callsec-client makes
// call objects with ICallFactory::CreateCall on its proxy to guise-callsec-server's probe — a server
// that processes every call synchronously — and drives them one stdin line at a time. Who called is
// what the server's kernel attested (the probe's status and open steps), never what the client says.
// Calls that must stay in progress block in the probe's gate step on FIFOs this test holds.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <poll.h>

#include <string>

#include "com/async_call_engine.h"
#include "integration/com/call_security_fixture.h"

namespace guise::com::testing {
namespace {

constexpr const char* kOk = "00000000";
constexpr const char* kCallPending = "80010115";   // RPC_S_CALLPENDING
constexpr const char* kCallComplete = "80010117";  // RPC_E_CALL_COMPLETE
constexpr const char* kCanceled = "80010002";      // RPC_E_CALL_CANCELED
const std::string kAsAlice = ids(0, kAlice, 0, kAlice);
const std::string kAsServer = "uid=0 0 0 0 gid=0 0 0 0 groups= imp=0";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
std::string hr_of(const std::string& answer) { return answer.substr(0, 8); }

class CallSecurityAsyncClient : public CallSecurityTest {
 protected:
  void SetUp() override {
    CallSecurityTest::SetUp();
    server_ = start_security_server({"--init", "2", "2", "0", kEveryoneLocal});
  }
  void TearDown() override {
    if (entered_ >= 0) ::close(entered_);
    if (go_ >= 0) ::close(go_);
    CallSecurityTest::TearDown();
  }
  // The probe's gate: both FIFOs held open here at both ends, so the server's opens never block.
  std::string make_gate() {
    const std::string entered = path("entered"), go = path("go");
    if (::mkfifo(entered.c_str(), 0600) != 0 || ::mkfifo(go.c_str(), 0600) != 0) return "";
    entered_ = ::open(entered.c_str(), O_RDWR | O_CLOEXEC);
    go_ = ::open(go.c_str(), O_RDWR | O_CLOEXEC);
    return entered_ >= 0 && go_ >= 0 ? "gate:" + dir_ : "";
  }
  // Waits (≤ 30 s) until a gated call has entered the server's method.
  bool entered() {
    pollfd inside{entered_, POLLIN, 0};
    char byte = 0;
    return ::poll(&inside, 1, 30'000) == 1 && ::read(entered_, &byte, 1) == 1;
  }
  // Lets `calls` gated calls return.
  void open_gate(int calls) {
    for (int i = 0; i < calls; ++i) {
      const char byte = 'g';
      EXPECT_EQ(::write(go_, &byte, 1), 1);
    }
  }

  SecurityServer server_;
  int entered_ = -1;
  int go_ = -1;
};

TEST_F(CallSecurityAsyncClient, R57_CallFactoryAndCreateCallAnswerAsWindows) {
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  const std::string out = alice.command("acreatechecks", "acreatechecks ");
  EXPECT_TRUE(has(out, "qi=00000000 ok=00000000")) << out;
  // A synchronous IID and an IID nobody registered have no call object: E_NOINTERFACE, *ppv NULL.
  EXPECT_TRUE(has(out, "sync=80004002/null unknown=80004002")) << out;
  // Aggregation: an outer unknown needs riid2 == IID_IUnknown; then the outer is the identity.
  EXPECT_TRUE(has(out, "noagg=80040110 aggok=00000000 aggqi=00000000/outer")) << out;
  EXPECT_TRUE(has(out, "nullppv=80004003")) << out;
}

TEST_F(CallSecurityAsyncClient, R57_AsyncClientCallsASynchronousServer) {
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_EQ(hr_of(alice.command("afinish c", "afinish hr=")), kCallComplete);  // nothing begun
  EXPECT_EQ(alice.command("abegin c status", "abegin hr="), kOk);
  const std::string finished = alice.command("afinish c", "afinish hr=");
  EXPECT_EQ(finished, std::string(kOk) + " " + kAsServer) << finished;
  EXPECT_EQ(hr_of(alice.command("afinish c", "afinish hr=")), kCallComplete) << "a second Finish_";
  // The object is free for the next call.
  EXPECT_EQ(alice.command("abegin c status", "abegin hr="), kOk);
  EXPECT_EQ(alice.command("afinish c", "afinish hr="), std::string(kOk) + " " + kAsServer);
}

TEST_F(CallSecurityAsyncClient, R57_BeginWhilePendingAndWaitTimeoutAreCallPending) {
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.command("abegin c " + gate, "abegin hr="), kOk);
  ASSERT_TRUE(entered()) << "the call never reached the server";
  EXPECT_EQ(alice.command("abegin c status", "abegin hr="), kCallPending);
  EXPECT_EQ(alice.command("await c 0", "await hr="), kCallPending);
  EXPECT_EQ(alice.command("await c 20", "await hr="), kCallPending);
  EXPECT_EQ(alice.command("atest c", "atest hr="), kCallPending);
  open_gate(1);
  // Nobody calls Wait: the completion is noticed by the runtime and the event handle is signalled.
  EXPECT_EQ(alice.command("ahandle c", "ahandle hr="), "00000000 wait=0");
  EXPECT_EQ(alice.command("await c 0", "await hr="), kOk);
  EXPECT_EQ(alice.command("atest c", "atest hr="), kCallComplete);
  EXPECT_EQ(alice.command("afinish c", "afinish hr="), std::string(kOk) + " gate=go");
  EXPECT_EQ(hr_of(alice.command("afinish c", "afinish hr=")), kCallComplete);
}

TEST_F(CallSecurityAsyncClient, R57_CancelEndsALongCallWithCallCanceled) {
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_EQ(alice.command("acancel c", "acancel hr="), kCallComplete);  // no call
  ASSERT_EQ(alice.command("abegin c " + gate, "abegin hr="), kOk);
  ASSERT_TRUE(entered());
  EXPECT_EQ(alice.command("acancel c", "acancel hr="), kOk);
  EXPECT_EQ(alice.command("atest c", "atest hr="), kCanceled);
  EXPECT_EQ(hr_of(alice.command("afinish c", "afinish hr=")), kCanceled);
  open_gate(1);  // the server's method may now return; its reply has nowhere to go
  // The cancelled call's connection was closed, not reused: the next call gets a clean one.
  EXPECT_EQ(alice.command("abegin c status", "abegin hr="), kOk);
  EXPECT_EQ(alice.command("afinish c", "afinish hr="), std::string(kOk) + " " + kAsServer);
}

// ISynchronize::Wait takes COWAIT_FLAGS as CoWaitForMultipleHandles does: other bits → E_INVALIDARG.
TEST_F(CallSecurityAsyncClient, R57_WaitTakesCoWaitFlags) {
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.command("abegin c status", "abegin hr="), kOk);
  EXPECT_EQ(alice.command("await c 0 40", "await hr="), "80070057") << "0x40 is no COWAIT flag";
  EXPECT_EQ(alice.command("await c 30000 1f", "await hr="), kOk) << "every COWAIT flag is taken";
  EXPECT_EQ(alice.command("afinish c", "afinish hr="), std::string(kOk) + " " + kAsServer);
}

// IClientSecurity::CopyProxy on a call object: NULL parameters → E_INVALIDARG (as documented); a
// call object is no interface proxy, so there is nothing to copy (E_NOTIMPL, *ppCopy NULL).
TEST_F(CallSecurityAsyncClient, R57_CallObjectCopyProxy) {
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_EQ(alice.command("acopy c", "acopy hr="), "80004001/null nullproxy=80070057 nullout=80070057");
}

TEST_F(CallSecurityAsyncClient, R57_ReleaseWithoutFinishAbandonsTheCall) {
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.command("abegin c " + gate, "abegin hr="), kOk);
  ASSERT_TRUE(entered());
  EXPECT_EQ(alice.command("arelease c", "arelease outstanding="), "0");
  open_gate(1);
  EXPECT_EQ(alice.command("abegin d status", "abegin hr="), kOk);
  EXPECT_EQ(alice.command("afinish d", "afinish hr="), std::string(kOk) + " " + kAsServer);
  // The proxy still works synchronously too.
  EXPECT_EQ(alice.run("status"), std::string("hr=") + kOk + " " + kAsServer);
}

TEST_F(CallSecurityAsyncClient, R57_CallObjectHasItsOwnBlanket) {
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "2"), kOk);
  // Copied from the proxy at CreateCall, then changed on the call object alone.
  EXPECT_TRUE(has(alice.command("aquery c", "aquery hr="), "00000000 level=2 imp=2 caps=0 proxy=2"));
  EXPECT_EQ(alice.command("ablanket c 6 3 0", "ablanket hr="), kOk);
  EXPECT_TRUE(has(alice.command("aquery c", "aquery hr="), "00000000 level=6 imp=3 caps=0 proxy=2"));
  ASSERT_EQ(alice.command("abegin c blanket;imp;status", "abegin hr="), kOk);
  const std::string out = alice.command("afinish c", "afinish hr=");
  EXPECT_TRUE(has(out, "level=6 imp=3")) << "the server saw the call object's blanket: " << out;
  EXPECT_TRUE(has(out, "imp=00000000; " + kAsAlice)) << out;
  EXPECT_TRUE(has(alice.run("blanket"), "level=2 imp=2")) << "the proxy keeps its own blanket";
}

// Finish_ on an STA waits in the modal loop: the server's method calls back into the client's STA
// (a probe the client exported) while the client's only thread is inside Finish_.
TEST_F(CallSecurityAsyncClient, R57_FinishOnAnStaServesTheApartment) {
  SecurityClient alice(server_, kAlice, {"--sta"});
  ASSERT_TRUE(alice.ready());
  const std::string objref = alice.command("aexport", "aexport ");
  ASSERT_FALSE(objref.empty());
  ASSERT_TRUE(server_.process->send("hold " + objref));
  ASSERT_EQ(server_.process->wait_for("held hr=").value_or(""), kOk);
  ASSERT_EQ(alice.command("abegin c callout:status", "abegin hr="), kOk);
  const std::string out = alice.command("afinish c", "afinish hr=");
  EXPECT_TRUE(has(out, "00000000 callout[00000000 uid=" + std::to_string(kAlice))) << out;
}

// R58: the call presents the identity its thread had at Begin_. The call below is begun while
// kMaxAsyncCallsOnWire others are on the wire, so the runtime sends it later, from its own thread, after the client
// thread has reverted — and the server's kernel still attests alice.
TEST_F(CallSecurityAsyncClient, R58_DynamicCloakingPresentsTheIdentityOfBegin) {
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient root(server_, std::nullopt);  // may impersonate
  ASSERT_TRUE(root.ready());
  constexpr int kGated = static_cast<int>(kMaxAsyncCallsOnWire);
  for (int i = 0; i < kGated; ++i) {
    ASSERT_EQ(root.command("abegin g" + std::to_string(i) + " " + gate, "abegin hr="), kOk);
  }
  ASSERT_TRUE(entered());
  ASSERT_EQ(root.command("ablanket who 2 3 0x40", "ablanket hr="), kOk);  // dynamic cloaking
  ASSERT_EQ(root.command("aimp 41001", "aimp hr="), kOk);
  ASSERT_EQ(root.command("abegin who imp;status;open:" + path("alice") + ";open:" + path("root") + ";blanket",
                         "abegin hr="),
            kOk);
  EXPECT_EQ(root.command("arev", "arev"), "");
  // Direct sends too: begun as alice, finished as root.
  ASSERT_EQ(root.command("aimp 41001", "aimp hr="), kOk);
  ASSERT_EQ(root.command("ablanket now 2 3 0x40", "ablanket hr="), kOk);
  open_gate(kGated);
  for (int i = 0; i < kGated; ++i) {
    EXPECT_EQ(root.command("afinish g" + std::to_string(i), "afinish hr="), std::string(kOk) + " gate=go");
  }
  const std::string queued = root.command("afinish who", "afinish hr=");
  EXPECT_TRUE(has(queued, "imp=00000000; " + kAsAlice + " groups= imp=1; open=0; open=13")) << queued;
  EXPECT_TRUE(has(queued, "privs=Unix User\\41001")) << queued;
  ASSERT_EQ(root.command("abegin now imp;status", "abegin hr="), kOk);
  EXPECT_EQ(root.command("arev", "arev"), "");
  const std::string direct = root.command("afinish now", "afinish hr=");
  EXPECT_TRUE(has(direct, "imp=00000000; " + kAsAlice)) << direct;
  // Without impersonation the same call object presents root again.
  ASSERT_EQ(root.command("abegin now imp;status", "abegin hr="), kOk);
  EXPECT_TRUE(has(root.command("afinish now", "afinish hr="), "imp=00000000; uid=0 0 0 0"));
}

// 1,000 calls begun from one thread, then finished. alice is a non-privileged peer of the server, which
// runs at most rpc::Limits::max_calls_per_peer (8) of her calls at once: the client keeps at most
// kMaxAsyncCallsOnWire (4) on the wire and queues the rest, so none is refused as too busy.
TEST_F(CallSecurityAsyncClient, R57_ThousandConcurrentCallsFromOneThread) {
  SecurityClient alice(server_, kAlice);
  ASSERT_TRUE(alice.ready());
  const std::string out = alice.command("amany 1000 status", "amany ");
  EXPECT_EQ(out, "begun=1000 finished=1000 bad=0 outstanding=0 first=") << out;
}

}  // namespace
}  // namespace guise::com::testing
