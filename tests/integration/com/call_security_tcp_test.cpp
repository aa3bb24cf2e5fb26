// COM call security over TCP (spec R10, R12, R13, R14, R40, R46; scenarios A3 and A9, TCP parts):
// guise-callsec-server listens on 127.0.0.1 with its GSSAPI acceptor keyed from a real MIT KDC
// (TestRealm, started once for this program), and guise-callsec-client processes running as real uids
// reach it over TCP only (GUISE_COM_PROTOCOLS=ncacn_ip_tcp) with their own Kerberos tickets or explicit
// NTLM credentials. Principals map to local users through the realm's local users file
// (alice → 41011, bob → 41012; carol maps to nobody), so ImpersonateClient is proved by the kernel.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "integration/com/realm_fixture.h"

namespace guise::com::testing {
namespace {

namespace realm = guise::rpc::testing;
using realm::TestRealm;

constexpr uid_t kCarolLocal = 41003;  // the uid carol's client runs as; her principal maps to no one
const std::vector<std::string> kTcpOnly{"GUISE_COM_PROTOCOLS=ncacn_ip_tcp"};
// EXECUTE|EXECUTE_LOCAL|EXECUTE_REMOTE for Everyone; A9's EXECUTE|EXECUTE_REMOTE.
constexpr const char* kEveryoneAnywhere = "O:SYG:SYD:(A;;0x7;;;WD)";
constexpr const char* kEveryoneRemote = "O:SYG:SYD:(A;;0x5;;;WD)";

class CallSecurityTcp : public RealmCallSecurityTest {
 protected:
  void SetUp() override {
    RealmCallSecurityTest::SetUp();
    if (IsSkipped()) return;
    // Each client's tickets, in the cache krb5.conf names for its uid (default_ccache_name).
    ASSERT_TRUE(tickets(realm::kAlice, kAlice));
    // Files of the users remote principals map to.
    for (const auto& [name, owner] : {std::pair{"remote-alice", realm::kAlice.uid}, {"remote-bob", realm::kBob.uid}}) {
      const std::string p = path(name);
      const int fd = ::open(p.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
      ASSERT_GE(fd, 0);
      ::close(fd);
      ASSERT_EQ(::chown(p.c_str(), owner, owner), 0);
      ASSERT_EQ(::chmod(p.c_str(), 0600), 0);
    }
  }

  // The server, root, listening on 127.0.0.1 too, with the realm's keytab (krb5.conf's
  // default_keytab_name), NTLM user file and local users.
  static SecurityServer tcp_server(const std::string& sddl, const std::string& level = "2") {
    return start_security_server({"--init", level, "3", "0", sddl},
                                 std::nullopt,
                                 {"GUISE_COM_TCP_ADDRESS=127.0.0.1",
                                  "GUISE_COM_LOCAL_USERS_FILE=" + TestRealm::path("local_users"),
                                  "GUISE_COM_NTLM_DOMAIN=" + std::string(realm::kNtlmDomain),
                                  "NTLM_USER_FILE=" + TestRealm::path("ntlm_users")});
  }

};

// A value of "key=value" in a transcript item ("" when absent).
std::string field(const std::string& text, const std::string& key) {
  const std::size_t at = text.find(" " + key + "=");
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size() + 2;
  const std::size_t end = text.find_first_of(" ;", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST_F(CallSecurityTcp, R10_TcpKerberosReportsGssKerberos) {
  SecurityServer server = tcp_server(kEveryoneAnywhere);
  ASSERT_EQ(server.init, "00000000");
  SecurityClient alice(server, kAlice, {}, kTcpOnly);
  ASSERT_TRUE(alice.ready());
  // The default over TCP: NEGOTIATE (SPNEGO, Kerberos inside) at the process's level, CONNECT.
  const std::string by_default = alice.run("blanket");
  EXPECT_EQ(by_default.substr(0, 11), "hr=00000000") << by_default;
  EXPECT_EQ(field(by_default, "svc"), "9") << by_default;
  EXPECT_EQ(field(by_default, "level"), "2") << by_default;
  // Raw Kerberos, the server's registered principal (COLE_DEFAULT_PRINCIPAL).
  EXPECT_EQ(alice.ask("gssblanket 16 2 3 -", "gssblanket hr="), "00000000");
  const std::string kerberos = alice.run("blanket");
  EXPECT_EQ(field(kerberos, "svc"), "16") << kerberos;
  // R13: the server is the name its acceptor proved; the client names it the same way.
  EXPECT_EQ(field(kerberos, "princ"), "host/localhost@GUISE.TEST") << kerberos;
  EXPECT_EQ(alice.ask("queryprinc", "queryprinc hr="), "00000000 svc=16 princ=host/localhost@GUISE.TEST");
  // NTLM with explicit credentials (SEC_WINNT_AUTH_IDENTITY_W): the service the client bound with.
  EXPECT_EQ(alice.ask(std::string("gssblanket 10 2 3 - alice ") + realm::kNtlmDomain + " " + realm::kAlice.password,
                      "gssblanket hr="),
            "00000000");
  const std::string ntlm = alice.run("blanket");
  EXPECT_EQ(field(ntlm, "svc"), "10") << ntlm;
  EXPECT_NE(field(ntlm, "privs").find("alice"), std::string::npos) << ntlm;
}

TEST_F(CallSecurityTcp, R12_TcpLevelIsDelivered) {
  SecurityServer server = tcp_server(kEveryoneAnywhere);
  SecurityClient alice(server, kAlice, {}, kTcpOnly);
  ASSERT_TRUE(alice.ready());
  for (const char* level : {"5", "6"}) {  // PKT_INTEGRITY (signed), PKT_PRIVACY (sealed)
    EXPECT_EQ(alice.ask(std::string("gssblanket 16 ") + level + " 3 -", "gssblanket hr="), "00000000");
    const std::string seen = alice.run("blanket");
    EXPECT_EQ(seen.substr(0, 11), "hr=00000000") << seen;
    EXPECT_EQ(field(seen, "level"), level) << seen;
    EXPECT_EQ(field(seen, "svc"), "16") << seen;
  }
}

TEST_F(CallSecurityTcp, R14_TcpPrivsNameInitiator) {
  SecurityServer server = tcp_server(kEveryoneAnywhere);
  SecurityClient alice(server, kAlice, {}, kTcpOnly);
  ASSERT_TRUE(alice.ready());
  EXPECT_EQ(alice.ask("gssblanket 16 5 3 -", "gssblanket hr="), "00000000");
  const std::string seen = alice.run("blanket");
  EXPECT_EQ(field(seen, "privs"), "alice@GUISE.TEST") << seen;
}

TEST_F(CallSecurityTcp, A3_AnonymousOverTcpIsIdentify) {
  SecurityServer server = tcp_server(kEveryoneAnywhere);
  SecurityClient alice(server, kAlice, {}, kTcpOnly);
  ASSERT_TRUE(alice.ready());
  EXPECT_EQ(alice.ask("gssblanket 16 2 1 -", "gssblanket hr="), "00000000");  // RPC_C_IMP_LEVEL_ANONYMOUS
  EXPECT_EQ(alice.ask("query", "query hr="), "00000000 svc=16 authz=0 level=2 imp=2 caps=0");
  const std::string seen = alice.run("blanket;imp;status;open:" + path("remote-alice") + ";rev");
  EXPECT_EQ(field(seen, "imp"), "2") << seen;  // IDENTIFY
  EXPECT_EQ(field(seen, "privs"), "alice@GUISE.TEST") << seen;
  // At IDENTIFY the kernel refuses alice's own file to the impersonating thread.
  EXPECT_NE(seen.find("open=13"), std::string::npos) << seen;
}

TEST_F(CallSecurityTcp, A9_ExecuteRemoteAdmitsTcpDeniesLocal) {
  SecurityServer server = tcp_server(kEveryoneRemote);
  ASSERT_EQ(server.init, "00000000");
  {
    SecurityClient local(server, kAlice);  // AF_UNIX: EXECUTE_LOCAL is not granted
    ASSERT_TRUE(local.ready());
    EXPECT_EQ(local.run("status").substr(0, 11), "hr=80070005");
  }
  EXPECT_EQ(runs(server), "0") << "the refused call never reached the object";
  SecurityClient remote(server, kAlice, {}, kTcpOnly);
  ASSERT_TRUE(remote.ready());
  EXPECT_EQ(remote.run("status").substr(0, 11), "hr=00000000");
  EXPECT_EQ(runs(server), "1");
}

TEST_F(CallSecurityTcp, ImpersonateClientOverTcpRunsAsTheMappedUser) {
  SecurityServer server = tcp_server(kEveryoneAnywhere);
  SecurityClient alice(server, kAlice, {}, kTcpOnly);
  ASSERT_TRUE(alice.ready());
  EXPECT_EQ(alice.ask("gssblanket 16 6 3 -", "gssblanket hr="), "00000000");
  const std::string seen =
      alice.run("imp;status;open:" + path("remote-alice") + ";open:" + path("remote-bob") + ";rev;status");
  const std::string a = std::to_string(realm::kAlice.uid);
  // Effective (and fs) ids become alice's mapped uid 41011; real and saved stay the process's (§4).
  EXPECT_EQ(seen, "hr=00000000 imp=00000000; uid=0 " + a + " 0 " + a + " gid=0 " + a + " 0 " + a +
                      " groups=" + a + " imp=1; open=0; open=13; rev=00000000; uid=0 0 0 0 gid=0 0 0 0 groups= imp=0");
}

TEST_F(CallSecurityTcp, UnmappedPrincipalIsRefusedBeforeTheObject) {
  SecurityServer server = tcp_server(kEveryoneAnywhere);
  ASSERT_TRUE(tickets(realm::kCarol, kCarolLocal));
  SecurityClient carol(server, kCarolLocal, {}, kTcpOnly);
  // carol@GUISE.TEST maps to no local user: her binds are refused (fail closed), so unmarshaling (the
  // resolver call) or the first call fails with access denied, and the object is never touched.
  if (carol.ready()) {
    EXPECT_EQ(carol.run("status").substr(0, 11), "hr=80070005");
  }
  EXPECT_EQ(runs(server), "0");
}

}  // namespace
}  // namespace guise::com::testing
