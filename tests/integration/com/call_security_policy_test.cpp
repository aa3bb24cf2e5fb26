// CoInitializeSecurity and the client's blanket across real processes (spec §3.5–§3.7): the process
// policy fixed once, the access descriptor checked before the object is touched, proxies' blankets
// set, queried and refused as Windows does. Callers run as uids 41001 (alice) and 41002 (bob).
#include <string>

#include "integration/com/call_security_fixture.h"

namespace guise::com::testing {
namespace {

constexpr const char* kOk = "00000000";
constexpr const char* kAccessDenied = "80070005";
const std::string kRoot = ids(0, 0, 0, 0);
const std::string kAsAlice = ids(0, kAlice, 0, kAlice);

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string runs(SecurityServer& server) {
  if (!server.process->send("runs")) return "";
  return server.process->wait_for("runs=").value_or("");
}

using CallSecurityPolicy = CallSecurityTest;

TEST_F(CallSecurityPolicy, R35_R36_CoInitializeSecurityWorksOnceAndNotAfterMarshaling) {
  SecurityServer twice = start_security_server({"--init", "2", "2", "0", "null", "--init-again"});
  EXPECT_EQ(twice.init, kOk);
  EXPECT_EQ(twice.again, "80010119") << "RPC_E_TOO_LATE";
  // Never called explicitly: exporting the probe fixed the implicit defaults.
  SecurityServer implicit = start_security_server({"--init-again"});
  EXPECT_EQ(implicit.again, "80010119");
}

TEST_F(CallSecurityPolicy, R38_R39_ArgumentErrorsDoNotUseUpTheOneCall) {
  SecurityServer server = start_security_server({"--init", "2", "2", "0", kEveryoneLocal});
  SecurityClient alice(server, kAlice, {"--init-bad"});
  // Printed before "ready": read it from the client's own output.
  ASSERT_TRUE(alice.ready());
  const std::string expected_invalid = "80070057";
  std::string all;
  for (int i = 0; i < 14; ++i) all += (i == 0 ? "" : ",") + expected_invalid;
  const std::string line = alice.init_bad();
  EXPECT_TRUE(has(line, "initbad " + all)) << line;
  EXPECT_TRUE(has(line, "appid=80004001")) << "EOAC_APPID: no registry, E_NOTIMPL: " << line;
  EXPECT_TRUE(has(line, "notinit=800401f0")) << line;
  EXPECT_TRUE(has(line, "nogood=8001011a/8001011a")) << line;
  EXPECT_TRUE(has(line, "valid=00000000 again=80010119")) << line;
  // The valid call asked for IMPERSONATE: alice's proxies start there (R42), no SetBlanket needed.
  EXPECT_TRUE(has(alice.run("imp;status"), "imp=00000000; " + kAsAlice));
}

TEST_F(CallSecurityPolicy, R37_WithoutCoInitializeSecurityOnlyRootAndTheServersUidGetIn) {
  SecurityServer server = start_security_server({});
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.run("status"), "hr=" + std::string(kAccessDenied)));
  SecurityClient root(server, std::nullopt);
  ASSERT_TRUE(root.ready());
  EXPECT_TRUE(has(root.run("status"), "hr=00000000 " + kRoot));
  EXPECT_EQ(runs(server), "1") << "the refused call never reached the object";
  // The client's own implicit defaults: CONNECT / IDENTIFY / no cloaking.
  EXPECT_TRUE(has(root.query(), "hr=00000000 svc=10 authz=0 level=2 imp=2 caps=0"));
}

TEST_F(CallSecurityPolicy, R40_A9_TheAccessDescriptorIsCheckedBeforeTheObjectIsTouched) {
  for (const bool absolute : {false, true}) {
    SCOPED_TRACE(absolute ? "absolute descriptor" : "self-relative descriptor");
    std::vector<std::string> args{"--init", "2", "2", "0", "O:SYG:SYD:(A;;0x3;;;S-1-22-1-41001)"};
    if (absolute) args.insert(args.begin(), "--absolute");
    SecurityServer server = start_security_server(args);
    ASSERT_EQ(server.init, kOk);
    SecurityClient alice(server, kAlice);
    SecurityClient bob(server, kBob);
    ASSERT_TRUE(alice.ready());
    ASSERT_TRUE(bob.ready());
    EXPECT_TRUE(has(alice.run("status"), "hr=00000000"));
    EXPECT_EQ(bob.run("status"), std::string("hr=") + kAccessDenied + " ");
    EXPECT_EQ(runs(server), "1") << "bob's call never reached the object";
    // IRemUnknown is checked like any interface: alice hears the object's answer, bob is refused.
    EXPECT_EQ(alice.remqi(), "80004002");
    EXPECT_EQ(bob.remqi(), kAccessDenied);
  }
  // EXECUTE|EXECUTE_REMOTE: a local caller is not granted.
  SecurityServer remote_only = start_security_server({"--init", "2", "2", "0", "O:SYG:SYD:(A;;0x5;;;S-1-22-1-41001)"});
  SecurityClient alice(remote_only, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.run("status"), std::string("hr=") + kAccessDenied));
  // A NULL DACL admits everyone; an empty DACL no one, the server's own uid included.
  SecurityServer null_dacl = start_security_server({"--init", "2", "2", "0", "O:SYG:SYD:NO_ACCESS_CONTROL"});
  SecurityClient bob(null_dacl, kBob);
  ASSERT_TRUE(bob.ready());
  EXPECT_TRUE(has(bob.run("status"), "hr=00000000"));
  SecurityServer empty_dacl = start_security_server({"--init", "2", "2", "0", "O:SYG:SYD:"});
  SecurityClient root(empty_dacl, std::nullopt);
  ASSERT_TRUE(root.ready());
  EXPECT_TRUE(has(root.run("status"), std::string("hr=") + kAccessDenied));
}

TEST_F(CallSecurityPolicy, R41_TheServersAuthenticationLevelIsAFloor) {
  SecurityServer server = start_security_server({"--init", "5", "2", "0", kEveryoneLocal});
  ASSERT_EQ(server.init, kOk);
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  // An explicit blanket below the floor reaches the server and is refused there, the method untouched.
  ASSERT_EQ(alice.blanket("10", "2", "2"), kOk);
  EXPECT_TRUE(has(alice.run("status"), std::string("hr=") + kAccessDenied)) << "CONNECT is below PKT_INTEGRITY";
  EXPECT_EQ(runs(server), "0");
  ASSERT_EQ(alice.blanket("10", "5", "2"), kOk);
  EXPECT_TRUE(has(alice.run("blanket"), "hr=00000000 qcb=00000000 svc=10 authz=0 level=5"));
  EXPECT_EQ(runs(server), "1");
}

TEST_F(CallSecurityPolicy, R43_AProxyStartsAtTheHigherOfTheTwoLevels) {
  // The server's floor is PKT_INTEGRITY; alice never calls CoInitializeSecurity (CONNECT, IDENTIFY):
  // her proxy starts at PKT_INTEGRITY, which the server sees, with her own impersonation level.
  SecurityServer server = start_security_server({"--init", "5", "2", "0", kEveryoneLocal});
  ASSERT_EQ(server.init, kOk);
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.query(), "hr=00000000 svc=10 authz=0 level=5 imp=2 caps=0"));
  EXPECT_TRUE(has(alice.run("blanket"), "hr=00000000 qcb=00000000 svc=10 authz=0 level=5 imp=2"));
  // The DEFAULT level in SetBlanket means the negotiated one, not alice's own CONNECT (R46).
  ASSERT_EQ(alice.blanket("10", "0", "3"), kOk);
  EXPECT_TRUE(has(alice.query(), "hr=00000000 svc=10 authz=0 level=5 imp=3 caps=0"));
  // A client whose own level is higher keeps it: the maximum, not the server's.
  SecurityClient bob(server, kBob, {"--init", "6", "3", "0"});
  ASSERT_EQ(bob.init(), kOk);
  ASSERT_TRUE(bob.ready());
  EXPECT_TRUE(has(bob.run("blanket"), "level=6 imp=3"));
  EXPECT_EQ(runs(server), "2");
}

TEST_F(CallSecurityPolicy, R42_R44_R47_ABlanketChangesTheNextCallsOfItsProxy) {
  SecurityServer server = start_security_server({"--init", "2", "2", "0", kEveryoneLocal});
  SecurityClient alice(server, kAlice, {"--init", "2", "3", "0"});
  ASSERT_EQ(alice.init(), kOk);
  ASSERT_TRUE(alice.ready());
  EXPECT_TRUE(has(alice.query(), "hr=00000000 svc=10 authz=0 level=2 imp=3 caps=0"));
  EXPECT_TRUE(has(alice.run("blanket"), "level=2 imp=3"));
  ASSERT_EQ(alice.blanket("10", "6", "2"), kOk);
  EXPECT_TRUE(has(alice.query(), "hr=00000000 svc=10 authz=0 level=6 imp=2 caps=0"));
  EXPECT_TRUE(has(alice.run("blanket"), "level=6 imp=2")) << "the server saw the new blanket on the next call";
  EXPECT_TRUE(has(alice.run("imp;status"), "imp=00000000; " + ids(0, kNobody, 0, kNobody)))
      << "IDENTIFY now: the kernel sees nobody";
  // R47: every out parameter may be NULL.
  EXPECT_EQ(alice.query_null(), kOk);
}

TEST_F(CallSecurityPolicy, R45_R46_SetBlanketRefusesBadArgumentsAndFillsDefaults) {
  SecurityServer server = start_security_server({"--init", "2", "2", "0", kEveryoneLocal});
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_EQ(alice.blanket("0xdeadbeef", "2", "3"), "80070057") << "unknown authentication service";
  EXPECT_EQ(alice.blanket("10", "1", "3"), "80070057") << "level NONE with a service";
  EXPECT_EQ(alice.blanket("10", "2", "3", "0x2"), "80070057") << "EOAC_SECURE_REFS is not a blanket capability";
  EXPECT_EQ(alice.blanket("10", "2", "3", "0x60"), "80070057") << "both cloaking flags";
  EXPECT_TRUE(has(alice.query(), "level=2 imp=2")) << "refused blankets changed nothing";
  ASSERT_EQ(alice.blanket("10", "6", "3"), kOk);
  ASSERT_EQ(alice.blanket("0xffffffff", "0", "0", "0x800"), kOk);
  EXPECT_TRUE(has(alice.query(), "hr=00000000 svc=10 authz=0 level=2 imp=2 caps=0"))
      << "RPC_C_*_DEFAULT and EOAC_DEFAULT are the process's defaults";
}

TEST_F(CallSecurityPolicy, R34_R48_OnlyInterfaceProxiesHaveABlanket) {
  SecurityServer server = start_security_server({"--init", "2", "2", "0", kEveryoneLocal});
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_EQ(alice.r48(), "qi=00000000 unknown=00000000 security=80004002 local=80004002 copylocal=80004002");
}

TEST_F(CallSecurityPolicy, R49_ACopiedProxyHasItsOwnBlanketFromTheDefaults) {
  SecurityServer server = start_security_server({"--init", "2", "2", "0", kEveryoneLocal});
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  EXPECT_EQ(alice.copy(), "hr=00000000 fresh=2/2 copy=6/2 original=4/3 servercopy=6 serveroriginal=4 qi=original "
                          "unknown=80004002/null");
}

}  // namespace
}  // namespace guise::com::testing
