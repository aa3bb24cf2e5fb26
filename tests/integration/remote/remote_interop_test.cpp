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

// impacket's Kerberos goes through SPNEGO (auth type 9) only: a negTokenInit listing Microsoft's
// Kerberos OID, a DCE-style AP-REQ in GSS-API framing (which MIT alone refuses: spnego_acceptor.h), no
// mechListMIC, and its AP-REP in alter_context. Its AES MIC token is broken in 0.10 (bytes + str in
// GSSAPI_AES.GSS_GetMIC), so PKT_INTEGRITY runs with an RC4-HMAC session key (RFC 4757 tokens);
// PKT_PRIVACY runs with both AES and RC4-HMAC.
TEST_F(ImpacketInteropTest, KerberosThroughSpnegoAtIntegrityAndPrivacyImpersonatesTheMappedUser) {
  const std::string tgt = TestRealm::path("impacket.ccache");
  ASSERT_EQ(TestRealm::kinit(kAlice, tgt), 0);
  struct Run {
    int level;
    const char* session_enctype;
  };
  for (const Run& run : {Run{5, "arcfour-hmac"}, Run{6, "aes256-cts-hmac-sha1-96"}, Run{6, "arcfour-hmac"}}) {
    SCOPED_TRACE(std::string("level ") + std::to_string(run.level) + ", session key " + run.session_enctype);
    // impacket takes the service ticket from the cache (it would ask the KDC on port 88 otherwise).
    const std::string ccache = TestRealm::path(std::string("impacket-") + run.session_enctype + ".ccache");
    SpawnResult copy = run_program({"/bin/cp", tgt, ccache});
    ASSERT_EQ(copy.exit_code, 0) << copy.output;
    SpawnResult kvno =
        run_program({"/usr/bin/kvno", "-e", run.session_enctype, "-c", ccache, std::string(kServicePrincipal)});
    ASSERT_EQ(kvno.exit_code, 0) << kvno.output;
    SpawnResult r = run_impacket("kerberos", run.level, ccache);
    if (r.exit_code == 77) GTEST_SKIP() << r.output;
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
}

}  // namespace
}  // namespace guise::rpc::testing
