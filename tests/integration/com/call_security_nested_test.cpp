// The nested STA rule across four real processes (spec R28–R30, scenario A5): A is a root
// guise-callsec-server whose probe lives in its main thread's STA; B (uid 41001, alice) calls A's X,
// which impersonates B and calls server C synchronously; C's method tells the test it is inside and
// waits; the test then has D (uid 41002, bob) call A's Y, which A's STA thread runs while it waits for
// C; once D has its reply the test lets C return, and X carries on. A's STA thread is watched by what it
// reports itself (/proc/self/task/<tid>/status inside X and Y) and by the test reading
// /proc/<A>/task/<tid>/status from outside while X waits (there the thread is inside its uncloaked
// outgoing call, so it presents the process, R50). Synchronised by FIFOs, never by sleeping.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "integration/com/call_security_fixture.h"

namespace guise::com::testing {
namespace {

constexpr const char* kOk = "00000000";
const std::string kRootStatus = ids(0, 0, 0, 0) + " groups= imp=0";
const std::string kAliceIds = ids(0, kAlice, 0, kAlice);
const std::string kBobIds = ids(0, kBob, 0, kBob);

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The "callout[...]" item of X's transcript: what C answered.
std::string callout_of(const std::string& x) {
  const std::size_t begin = x.find("callout[");
  const std::size_t end = x.find("gate=go]", begin == std::string::npos ? 0 : begin);
  return begin == std::string::npos || end == std::string::npos ? "" : x.substr(begin, end - begin);
}

// What one run of the scenario showed.
struct NestedRun {
  std::string x;              // X's transcript (B's answer)
  std::string y;              // Y's transcript (D's answer)
  std::string before_y;       // A's STA thread seen from outside while X waits for C, before Y
  std::string after_y;        // the same once Y has returned, X still waiting
  std::string y_started_in;   // "entered" when C's method had started before Y was called
};

class CallSecurityNested : public CallSecurityTest {
 protected:
  // A5 with `y_script` as D's call Y; with `cloaked`, A's proxy to C uses dynamic cloaking.
  NestedRun run_nested(const std::string& y_script, bool cloaked = false) {
    NestedRun out;
    const std::string entered_path = path("entered"), go_path = path("go");
    if (::mkfifo(entered_path.c_str(), 0600) != 0 || ::mkfifo(go_path.c_str(), 0600) != 0) return out;
    // Both ends held here (O_RDWR never blocks on a FIFO), so C's opens never block either.
    const int entered = ::open(entered_path.c_str(), O_RDWR | O_CLOEXEC);
    const int go = ::open(go_path.c_str(), O_RDWR | O_CLOEXEC);
    if (entered < 0 || go < 0) return out;
    const std::vector<std::string> policy{"--init", "2", "2", "0", kEveryoneLocal};
    SecurityServer c = start_security_server(policy);
    std::vector<std::string> a_args{"--sta", "--hold", c.objref};
    if (cloaked) a_args.push_back("--hold-dynamic");
    a_args.insert(a_args.end(), policy.begin(), policy.end());
    SecurityServer a = start_security_server(a_args);
    pid_t sta_tid = 0;
    bool held = false;
    for (const std::string& line : a.process->lines()) {
      if (line.rfind("tid=", 0) == 0) sta_tid = static_cast<pid_t>(std::stol(line.substr(4)));
      if (line == "held hr=00000000") held = true;
    }
    EXPECT_TRUE(held) << "A could not unmarshal C's probe";
    EXPECT_NE(sta_tid, 0);
    SecurityClient b(a, kAlice);
    SecurityClient d(a, kBob);
    if (!held || sta_tid == 0 || !b.ready() || !d.ready()) return out;
    EXPECT_EQ(b.blanket("10", "2", "3"), kOk);
    EXPECT_EQ(d.blanket("10", "2", "3"), kOk);
    // X: steps 1, 2 and 6, then X's own revert.
    // C reports the caller the kernel attested to it before it waits.
    EXPECT_TRUE(b.send_run("status;imp;status;callout:blanket,gate:" + dir_ + ";status;blanket;rev;status"));
    pollfd inside{entered, POLLIN, 0};
    char byte = 0;
    if (::poll(&inside, 1, 30'000) == 1 && ::read(entered, &byte, 1) == 1) {
      out.y_started_in = "entered";
      out.before_y = thread_ids_of(a.process->pid(), sta_tid);
      out.y = d.run(y_script);  // steps 3–5, on A's STA thread while it waits for C
      // Y's reply leaves from inside Y's scope; A's thread takes back what it had (step 5) just after.
      // So the kernel's view is awaited — bounded, 5000 × 1 ms — until it is what it was before Y.
      for (int i = 0; i < 5000; ++i) {
        out.after_y = thread_ids_of(a.process->pid(), sta_tid);
        if (out.after_y == out.before_y) break;
        ::poll(nullptr, 0, 1);
      }
    }
    byte = 'g';
    EXPECT_EQ(::write(go, &byte, 1), 1);
    out.x = b.run_result();
    ::close(entered);
    ::close(go);
    return out;
  }

  // What every variant shares: X's six steps and A's thread while it waited.
  void expect_x_is_b_again(const NestedRun& run) {
    EXPECT_EQ(run.y_started_in, "entered") << "C's method never started: " << run.x;
    // Step 1: X starts as the process, then impersonates B.
    EXPECT_TRUE(has(run.x, "hr=00000000 " + kRootStatus + "; imp=00000000; " + kAliceIds)) << run.x;
    // Step 5: Y has returned, C has not: the thread is exactly what it was before Y (not D, not B).
    EXPECT_EQ(run.after_y, run.before_y) << "Y must leave A's STA thread as it found it";
    // Step 6: C's reply processed in X: still B, X's context current and impersonating; X's own revert
    // brings the process back.
    EXPECT_TRUE(has(run.x, "gate=go]; " + kAliceIds)) << run.x;
    EXPECT_TRUE(has(run.x, kAliceIds + " groups= imp=1; qcb=00000000")) << "X's context impersonates again: " << run.x;
    EXPECT_TRUE(has(run.x, "privs=Unix User\\41001")) << "CoGetCallContext in X is X's again: " << run.x;
    EXPECT_TRUE(has(run.x, "rev=00000000; " + kRootStatus)) << run.x;
  }
};

TEST_F(CallSecurityNested, R30_A5_NestedStaRestoresCallerToken) {
  const NestedRun run = run_nested("status;blanket;imp;status;rev;status");
  // Step 2: without cloaking the call to C presents A (R50), so for the length of the outgoing call —
  // its wait included — the kernel sees A's thread as the process; X's token stays B's.
  EXPECT_TRUE(has(callout_of(run.x), "callout[00000000 qcb=00000000")) << run.x;
  EXPECT_TRUE(has(callout_of(run.x), "privs=Unix User\\root ")) << "C sees A: " << run.x;
  EXPECT_EQ(run.before_y, ids(0, 0, 0, 0));
  // Steps 3–4: Y starts as the process with Y's own context (bob), impersonates D, reverts to the process.
  EXPECT_TRUE(has(run.y, "hr=00000000 " + kRootStatus + "; qcb=00000000")) << run.y;
  EXPECT_TRUE(has(run.y, "privs=Unix User\\41002")) << "CoGetCallContext in Y is Y's context: " << run.y;
  EXPECT_TRUE(has(run.y, "imp=00000000; " + kBobIds + " groups= imp=1; rev=00000000; " + kRootStatus)) << run.y;
  expect_x_is_b_again(run);
}

TEST_F(CallSecurityNested, R30_R53_CloakedNestedStaWaitsAsTheCallerAndIsTheCallerAgain) {
  const NestedRun run = run_nested("status;blanket;imp;status;rev;status", true);
  // Step 2, literally: with dynamic cloaking the call to C presents B, so A's thread waits as B — C's
  // kernel says so, and so does A's /proc from outside, before and after Y.
  EXPECT_TRUE(has(callout_of(run.x), "callout[00000000 qcb=00000000")) << run.x;
  EXPECT_TRUE(has(callout_of(run.x), "privs=Unix User\\41001 ")) << "C sees B: " << run.x;
  EXPECT_EQ(run.before_y, kAliceIds);
  EXPECT_TRUE(has(run.y, "privs=Unix User\\41002")) << run.y;
  EXPECT_TRUE(has(run.y, "imp=00000000; " + kBobIds + " groups= imp=1; rev=00000000; " + kRootStatus)) << run.y;
  expect_x_is_b_again(run);
}

TEST_F(CallSecurityNested, R30_R21_NestedStaCallThatNeverRevertsStillRestoresCallerToken) {
  const NestedRun run = run_nested("status;imp;status");
  EXPECT_EQ(run.before_y, ids(0, 0, 0, 0));
  EXPECT_EQ(run.y, "hr=00000000 " + kRootStatus + "; imp=00000000; " + kBobIds + " groups= imp=1");
  expect_x_is_b_again(run);
}

TEST_F(CallSecurityNested, R28_R30_NestedStaCallThatNeverImpersonatesRunsAsTheProcess) {
  const NestedRun run = run_nested("status;open:" + path("root"));
  EXPECT_EQ(run.before_y, ids(0, 0, 0, 0));
  // R28: the nested call starts clean, not as B whose impersonation the thread carried when Y arrived:
  // root's 0600 file opens (as B it would be EACCES).
  EXPECT_EQ(run.y, "hr=00000000 " + kRootStatus + "; open=0") << run.y;
  expect_x_is_b_again(run);
}

}  // namespace
}  // namespace guise::com::testing
