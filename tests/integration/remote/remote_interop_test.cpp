// Independent peers against guise: impacket (python3-impacket) calls guise's server with NTLM and
// with Kerberos (SPNEGO, a ticket from the test KDC) at PKT_INTEGRITY and PKT_PRIVACY; the checks run
// in impacket_remote.py, which reports what the server's kernel did for the mapped user.
#include <gtest/gtest.h>
#include <unistd.h>

#include "integration/remote/remote_fixture.h"
#include "integration/rpc/spawn.h"

namespace guise::rpc::testing {
namespace {

class ImpacketInteropTest : public RemoteTest {
 protected:
  SpawnResult run_impacket(const std::string& auth, int level, const std::string& ccache = "") {
    std::vector<std::string> argv = {"/usr/bin/timeout", "60", "/usr/bin/env"};
    if (!ccache.empty()) argv.push_back("KRB5CCNAME=" + ccache);
    for (const std::string& a :
         {std::string("/usr/bin/python3"), std::string(GUISE_IMPACKET_REMOTE), std::to_string(port_), auth,
          std::to_string(level), std::string(kAlice.name), std::string(kAlice.password),
          std::string(auth == "ntlm" ? kNtlmDomain : kRealmName), private_file(kAlice.uid), private_file(kBob.uid),
          std::to_string(kAlice.uid)}) {
      argv.push_back(a);
    }
    return run_program(argv);
  }
  void SetUp() override {
    RemoteTest::SetUp();
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "needs /usr/bin/python3 with python3-impacket";
  }
};

TEST_F(ImpacketInteropTest, NtlmAtIntegrityAndPrivacyImpersonatesTheMappedUser) {
  for (int level : {5, 6}) {
    SpawnResult r = run_impacket("ntlm", level);
    if (r.exit_code == 77) GTEST_SKIP() << r.output;
    EXPECT_EQ(r.exit_code, 0) << "level " << level << ":\n" << r.output;
  }
}

// Open (docs/remote.md, "Known gaps"): MIT's SPNEGO acceptor refuses impacket's NegTokenInit
// ("Invalid token was supplied") before Kerberos sees its AP-REQ; guise-to-guise SPNEGO and raw
// Kerberos pass against the same KDC (remote_security_test.cpp). Enable once guise unwraps
// impacket's SPNEGO token itself.
TEST_F(ImpacketInteropTest, DISABLED_KerberosThroughSpnegoAtIntegrityAndPrivacyImpersonatesTheMappedUser) {
  const std::string ccache = TestRealm::path("impacket.ccache");
  ASSERT_EQ(TestRealm::kinit(kAlice, ccache), 0);
  // impacket takes the service ticket from the cache (it would ask the KDC on port 88 otherwise).
  SpawnResult kvno = run_program({"/usr/bin/kvno", "-c", ccache, std::string(kServicePrincipal)});
  ASSERT_EQ(kvno.exit_code, 0) << kvno.output;
  for (int level : {5, 6}) {
    SpawnResult r = run_impacket("kerberos", level, ccache);
    if (r.exit_code == 77) GTEST_SKIP() << r.output;
    EXPECT_EQ(r.exit_code, 0) << "level " << level << ":\n" << r.output;
  }
}

}  // namespace
}  // namespace guise::rpc::testing
