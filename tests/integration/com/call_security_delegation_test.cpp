// Delegation across machines (spec R63, with R50 and R53 over TCP): three real processes on 127.0.0.1
// and a real MIT KDC (TestRealm). alice (uid 41001, her own Kerberos tickets) calls the intermediate B
// (root) over TCP; B impersonates her and, through a dynamically cloaked proxy, calls the third server
// C (root) over TCP. C reports what its GSSAPI acceptor proved (QueryBlanket's pPrivs) and what the
// kernel makes of C's thread when it impersonates that caller (/proc). B's own process credentials are
// bob's tickets (root's default cache), so an uncloaked call from B presents bob@GUISE.TEST.
//   - alice at DELEGATE: her forwarded TGT reaches B with her authentication, and C sees alice.
//   - alice at IMPERSONATE: her identity crosses one machine boundary only; B's cloaked call to C is
//     refused before anything is sent (E_ACCESSDENIED), even with a ticket of alice's in the local
//     cache of the uid she maps to on B's machine (which a local alice would present).
//   - alice local (AF_UNIX, kernel-attested): B's cloaked TCP call presents her own tickets.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "integration/com/realm_fixture.h"

namespace guise::com::testing {
namespace {

namespace realm = guise::rpc::testing;
using realm::TestRealm;

constexpr const char* kOk = "00000000";
const std::vector<std::string> kTcpOnly{"GUISE_COM_PROTOCOLS=ncacn_ip_tcp"};
constexpr const char* kEveryoneAnywhere = "O:SYG:SYD:(A;;0x7;;;WD)";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A value of "key=value" in a transcript item ("" when absent).
std::string field(const std::string& text, const std::string& key) {
  const std::size_t at = text.find(" " + key + "=");
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size() + 2;
  const std::size_t end = text.find_first_of(" ;]", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

class CallSecurityDelegation : public RealmCallSecurityTest {
 protected:
  void SetUp() override {
    RealmCallSecurityTest::SetUp();
    if (IsSkipped()) return;
    // alice's client's tickets, in the cache krb5.conf names for uid 41001 (default_ccache_name);
    // B's and C's process credentials (root's default cache): bob's.
    ASSERT_TRUE(tickets(realm::kAlice, kAlice));
    ASSERT_TRUE(tickets(realm::kBob, 0));
    ::unlink(TestRealm::path("krb5cc_" + std::to_string(realm::kAlice.uid)).c_str());
    const std::string p = path("remote-alice");  // the file of the user alice@GUISE.TEST maps to
    const int fd = ::open(p.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ::close(fd);
    ASSERT_EQ(::chown(p.c_str(), realm::kAlice.uid, realm::kAlice.uid), 0);
  }

  // C, then B holding a proxy to C whose blanket is NEGOTIATE at CONNECT, IMPERSONATE, `caps` (hex).
  // Both root, accepting TCP on 127.0.0.1 with the realm's keytab; B's proxies use TCP only.
  void start(const std::string& caps) {
    const std::vector<std::string> env{"GUISE_COM_TCP_ADDRESS=127.0.0.1",
                                       "GUISE_COM_LOCAL_USERS_FILE=" + TestRealm::path("local_users")};
    c_ = start_security_server({"--init", "2", "3", "0", kEveryoneAnywhere}, std::nullopt, env);
    ASSERT_EQ(c_.init, kOk);
    std::vector<std::string> b_env = env;
    b_env.insert(b_env.end(), kTcpOnly.begin(), kTcpOnly.end());
    b_ = start_security_server({"--init", "2", "3", "0", kEveryoneAnywhere}, std::nullopt, b_env);
    ASSERT_EQ(b_.init, kOk);
    ASSERT_TRUE(b_.process->send("hold " + c_.objref));
    ASSERT_EQ(b_.process->wait_for("held hr="), kOk);
    ASSERT_TRUE(b_.process->send("heldblanket 2 3 " + caps));
    ASSERT_EQ(b_.process->wait_for("heldblanket hr="), kOk);
  }
  SecurityServer c_;
  SecurityServer b_;
};

const std::string kAsRemoteAlice = ids(0, realm::kAlice.uid, 0, realm::kAlice.uid);

TEST_F(CallSecurityDelegation, R63_DelegateCrossesToAThirdServer) {
  ASSERT_NO_FATAL_FAILURE(start("40"));  // EOAC_DYNAMIC_CLOAKING
  SecurityClient alice(b_, kAlice, {}, kTcpOnly);
  ASSERT_TRUE(alice.ready());
  int calls = 0;
  // Kerberos (16) at CONNECT, PKT_INTEGRITY (signed) and PKT_PRIVACY (sealed); Negotiate (9, SPNEGO).
  for (const char* blanket : {"16 2", "16 5", "16 6", "9 2", "9 6"}) {
    SCOPED_TRACE(blanket);
    const std::string service(blanket, std::strchr(blanket, ' '));
    const std::string level(std::strchr(blanket, ' ') + 1);
    // RPC_C_IMP_LEVEL_DELEGATE; a new blanket: a new association and a new delegation.
    ASSERT_EQ(alice.ask(std::string("gssblanket ") + blanket + " 4 -", "gssblanket hr="), kOk);
    const std::string out =
        alice.run("blanket;imp;callout:blanket,imp,status,open:" + path("remote-alice") + ",rev;rev");
    EXPECT_EQ(field(out, "svc"), service) << out;
    EXPECT_EQ(field(out, "imp"), "4") << "B was granted DELEGATE: " << out;
    EXPECT_EQ(field(out, "level"), level) << out;
    ASSERT_TRUE(has(out, "callout[00000000 qcb=00000000 svc=9 ")) << out;
    ++calls;
    const std::string at_c = out.substr(out.find("callout["));
    EXPECT_EQ(field(at_c, "privs"), "alice@GUISE.TEST") << "C sees the original client: " << out;
    // C's thread, impersonating, is alice's mapped uid as the kernel shows it, and opens her file.
    EXPECT_TRUE(has(at_c, "imp=00000000; " + kAsRemoteAlice)) << out;
    EXPECT_TRUE(has(at_c, "open=0; rev=00000000]")) << out;
  }
  EXPECT_EQ(runs(c_), std::to_string(calls));
}

TEST_F(CallSecurityDelegation, R63_ImpersonateStopsAtOneBoundary) {
  ASSERT_NO_FATAL_FAILURE(start("40"));
  // A ticket of alice's in the cache of the uid she maps to on B's machine: what a local alice there
  // would present. A remote alice who did not delegate must not borrow it.
  ASSERT_TRUE(tickets(realm::kAlice, realm::kAlice.uid));
  SecurityClient alice(b_, kAlice, {}, kTcpOnly);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.ask("gssblanket 16 2 3 -", "gssblanket hr="), kOk);  // IMPERSONATE
  const std::string out = alice.run("blanket;imp;status;callout:blanket;status;rev;callout:blanket");
  EXPECT_EQ(field(out, "imp"), "3") << out;
  EXPECT_TRUE(has(out, "callout[80070005 ]; " + kAsRemoteAlice)) << "refused, and B is alice again: " << out;
  // Reverted, B's cloaked call presents B's own process credentials (bob's tickets).
  EXPECT_TRUE(has(out, "rev=00000000; callout[00000000 qcb=00000000 svc=9 ")) << out;
  EXPECT_EQ(runs(c_), "1") << "the refused call never reached C";
}

TEST_F(CallSecurityDelegation, R50_AnUncloakedCallFromTheIntermediatePresentsItsOwnCredentials) {
  ASSERT_NO_FATAL_FAILURE(start("0"));
  SecurityClient alice(b_, kAlice, {}, kTcpOnly);
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.ask("gssblanket 16 2 4 -", "gssblanket hr="), kOk);  // she delegates; B does not cloak
  const std::string out = alice.run("imp;callout:blanket");
  EXPECT_TRUE(has(out, "imp=00000000; callout[00000000 qcb=00000000 svc=9 ")) << out;
  EXPECT_EQ(field(out.substr(out.find("callout[")), "privs"), "bob@GUISE.TEST") << out;
}

TEST_F(CallSecurityDelegation, R63_ALocalCallersCloakedTcpCallPresentsHerOwnTickets) {
  ASSERT_NO_FATAL_FAILURE(start("40"));
  SecurityClient alice(b_, kAlice);  // AF_UNIX: the kernel attests uid 41001
  ASSERT_TRUE(alice.ready());
  ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);
  const std::string out = alice.run("imp;callout:blanket");
  EXPECT_TRUE(has(out, "imp=00000000; callout[00000000 qcb=00000000 svc=9 ")) << out;
  // Her own default cache (krb5.conf's default_ccache_name for uid 41001) holds alice@GUISE.TEST.
  EXPECT_EQ(field(out.substr(out.find("callout[")), "privs"), "alice@GUISE.TEST") << out;
}

}  // namespace
}  // namespace guise::com::testing
