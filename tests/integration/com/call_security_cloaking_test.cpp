// Cloaking across three real processes (spec §3.8, A7): alice (uid 41001) calls B, B impersonates her
// and calls C; C reports who the kernel attested for B's call (QueryBlanket's pPrivs, and what C's
// thread can open when it impersonates that caller). B never says who it is: the connection it calls
// on was opened by a thread carrying the presented identity.
#include <sys/stat.h>

#include <span>
#include <string>
#include <vector>

#include "com/objref.h"
#include "com/remote_oxid.h"
#include "integration/com/objref_text.h"

#include "integration/com/call_security_fixture.h"

namespace guise::com::testing {
namespace {

constexpr const char* kOk = "00000000";
const std::string kAsAlice = ids(0, kAlice, 0, kAlice);

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class CallSecurityCloaking : public CallSecurityTest {
 protected:
  // C: the spec fixture. B: CoInitializeSecurity(Everyone, CONNECT, `imp`, `caps`), holding a proxy to C.
  void start(const std::string& imp, const std::string& caps) {
    c_ = start_security_server({"--init", "2", "2", "0", kEveryoneLocal});
    b_ = start_security_server({"--init", "2", imp, caps, kEveryoneLocal});
    ASSERT_EQ(b_.init, kOk);
    ASSERT_TRUE(b_.process->send("hold " + c_.objref));
    ASSERT_EQ(b_.process->wait_for("held hr="), kOk);
  }
  std::string c_runs() {
    if (!c_.process->send("runs")) return "";
    return c_.process->wait_for("runs=").value_or("");
  }

  SecurityServer c_;
  SecurityServer b_;
};

TEST_F(CallSecurityCloaking, R50_WithoutCloakingTheDownstreamServerSeesTheIntermediatesProcess) {
  start("2", "0");
  SecurityClient alice(b_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("imp;callout:blanket;status");
  EXPECT_TRUE(has(out, "callout[00000000 qcb=00000000 svc=10 authz=0 level=2 imp=2 caps=0 privs=Unix User\\root"))
      << out;
  EXPECT_TRUE(has(out, "]; " + kAsAlice + " groups= imp=1")) << "B is alice again after its outgoing call: " << out;
}

TEST_F(CallSecurityCloaking, R53_R56_DynamicCloakingPresentsTheThreadsTokenOnEveryCall) {
  start("3", "0x40");
  SecurityClient alice(b_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  std::string out = alice.run("imp;callout:blanket;rev;callout:blanket");
  EXPECT_TRUE(has(out, "imp=00000000; callout[00000000 qcb=00000000 svc=10 authz=0 level=2 imp=3 caps=0 "
                       "privs=Unix User\\41001"))
      << out;
  EXPECT_TRUE(has(out, "rev=00000000; callout[00000000 qcb=00000000 svc=10 authz=0 level=2 imp=3 caps=0 "
                       "privs=Unix User\\root"))
      << out;
  // Through B, C can act as alice at the level B was granted: alice's file opens, bob's does not.
  out = alice.run("imp;callout:imp,status,open:" + path("alice") + ",open:" + path("bob"));
  EXPECT_TRUE(has(out, "callout[00000000 imp=00000000; " + kAsAlice + " groups= imp=1; open=0; open=13]")) << out;
}

TEST_F(CallSecurityCloaking, R51_StaticCloakingFromCoInitializeSecurityKeepsTheFirstCallersIdentity) {
  start("2", "0x20");
  SecurityClient alice(b_, kAlice);
  SecurityClient bob(b_, kBob);
  ASSERT_TRUE(alice.ready());
  ASSERT_TRUE(bob.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  ASSERT_EQ(bob.blanket("10", "2", "3"), kOk);
  EXPECT_TRUE(has(alice.run("imp;callout:blanket"), "privs=Unix User\\41001"));
  const std::string later = bob.run("imp;callout:blanket;status");
  EXPECT_TRUE(has(later, "privs=Unix User\\41001")) << "captured on the proxy's first call: " << later;
  EXPECT_TRUE(has(later, "]; " + ids(0, kBob, 0, kBob))) << "bob's thread is bob again afterwards: " << later;
  EXPECT_TRUE(has(bob.run("callout:blanket"), "privs=Unix User\\41001"));
}

TEST_F(CallSecurityCloaking, R52_StaticCloakingSetByABlanketCapturesTheSettersIdentity) {
  start("2", "0");
  ASSERT_TRUE(b_.process->send("heldblanket 2 2 20"));
  ASSERT_EQ(b_.process->wait_for("heldblanket hr="), kOk);
  SecurityClient alice(b_, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  EXPECT_TRUE(has(alice.run("imp;callout:blanket"), "privs=Unix User\\root"))
      << "set while B's thread was the process: every later call presents the process";
}

TEST_F(CallSecurityCloaking, R54_ACloakedCallFromAnIdentifyLevelTokenIsRefusedBeforeItIsSent) {
  start("2", "0x40");
  SecurityClient alice(b_, kAlice);  // IDENTIFY: B may know alice, not act as her
  ASSERT_TRUE(alice.ready());
  const std::string out = alice.run("imp;callout:blanket;rev;callout:blanket");
  EXPECT_TRUE(has(out, "imp=00000000; callout[80070005 ]")) << out;
  EXPECT_TRUE(has(out, "rev=00000000; callout[00000000 qcb=00000000")) << out;
  EXPECT_EQ(c_runs(), "1") << "the refused call never reached C";
}

// C for the activation tests: a probe class registered in a class directory of the test's, with
// `sddl` as its access descriptor; `at` is the "createat:" step naming C's binding.
struct ActivationTarget {
  SecurityServer server;
  std::vector<std::string> env;
  std::string at;
  std::string creator() {
    if (!server.process->send("creator")) return std::string();
    return server.process->wait_for("creator=").value_or("");
  }
};

ActivationTarget start_activation_target(const std::string& classes, const std::string& sddl) {
  ActivationTarget target;
  target.env = {"GUISE_COM_CLASS_DIR=" + classes};
  if (::mkdir(classes.c_str(), 0755) != 0) return target;
  target.server = start_security_server({"--init", "2", "2", "0", sddl, "--class"}, std::nullopt, target.env);
  const std::string bytes = bytes_from_hex(target.server.objref);
  auto objref = decode_objref(std::span(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
  if (!objref.ok()) return target;
  if (auto binding = OxidTable::pick_binding(objref->resolver)) target.at = "createat:" + binding->to_string();
  return target;
}

// R55: the activator the server sees is the thread's token when the activating process cloaks and
// its thread impersonates, else the process — both through the class directory (CoCreateInstance)
// and at a server named by a string binding (CoCreateInstanceEx). C's class factory records the
// caller the kernel attested for each activation.
TEST_F(CallSecurityCloaking, R55_ActivationIdentifiesTheActivatorByTheCloakedToken) {
  ActivationTarget c = start_activation_target(path("classes"), kEveryoneLocal);
  ASSERT_FALSE(c.at.empty());

  SecurityServer cloaking = start_security_server({"--init", "2", "3", "0x40", kEveryoneLocal}, std::nullopt, c.env);
  ASSERT_EQ(cloaking.init, kOk);
  SecurityClient alice(cloaking, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  EXPECT_TRUE(has(alice.run("imp;create"), "create=00000000"));
  EXPECT_EQ(c.creator(), "Unix User\\41001") << "dynamic cloaking, impersonating: the thread's token";
  EXPECT_TRUE(has(alice.run("create"), "create=00000000"));
  EXPECT_EQ(c.creator(), "Unix User\\root") << "dynamic cloaking, not impersonating: the process";
  EXPECT_TRUE(has(alice.run("imp;" + c.at), "create=00000000"));
  EXPECT_EQ(c.creator(), "Unix User\\41001") << "the same at a server named by its binding";

  SecurityServer plain = start_security_server({"--init", "2", "3", "0", kEveryoneLocal}, std::nullopt, c.env);
  ASSERT_EQ(plain.init, kOk);
  SecurityClient alice_again(plain, kAlice);
  ASSERT_TRUE(alice_again.ready());
  ASSERT_EQ(alice_again.blanket("10", "2", "3"), kOk);
  EXPECT_TRUE(has(alice_again.run("imp;create"), "create=00000000"));
  EXPECT_EQ(c.creator(), "Unix User\\root") << "no cloaking: the process, whatever the thread impersonates";
  EXPECT_TRUE(has(alice_again.run("imp;" + c.at), "create=00000000"));
  EXPECT_EQ(c.creator(), "Unix User\\root") << "no cloaking: the process, at a named server too";
}

// R40: activation is checked against the class's process descriptor like any call — through the class
// directory and at a named server — and a refused activator never reaches the factory.
TEST_F(CallSecurityCloaking, R40_R55_ARefusedActivatorNeverReachesTheFactory) {
  ActivationTarget c = start_activation_target(path("classes"), "O:SYG:SYD:(A;;0x3;;;S-1-22-1-41001)");
  ASSERT_FALSE(c.at.empty());
  SecurityServer b = start_security_server({"--init", "2", "3", "0x40", kEveryoneLocal}, std::nullopt, c.env);
  ASSERT_EQ(b.init, kOk);
  SecurityClient alice(b, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  EXPECT_TRUE(has(alice.run("create"), "create=80070005")) << "B's process (root) is not in C's descriptor";
  EXPECT_TRUE(has(alice.run(c.at), "create=80070005"));
  EXPECT_EQ(c.creator(), "none") << "the factory never ran";
  EXPECT_TRUE(has(alice.run("imp;" + c.at), "create=00000000")) << "cloaked as alice, whom it grants";
  EXPECT_EQ(c.creator(), "Unix User\\41001");
}

}  // namespace
}  // namespace guise::com::testing
