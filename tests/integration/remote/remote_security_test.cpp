// Remote security against a real MIT KDC and gss-ntlmssp: guise client ↔ guise server over TCP with
// Kerberos (16), SPNEGO (9) and NTLM (10) at every level; the kernel shows the mapped user; tampered,
// replayed, reordered, unverified and downgraded PDUs are refused and nothing runs.
#include <gtest/gtest.h>

#include <cerrno>

#include <sys/stat.h>
#include <unistd.h>

#include "guise/winerror.h"
#include "identity/impersonation.h"
#include "integration/remote/pdu_proxy.h"
#include "integration/remote/remote_fixture.h"
#include "rpc/fault_status.h"
#include "rpc/gssapi/gss_client.h"

namespace guise::rpc::testing {
namespace {

using identity::ImpersonationLevel;

std::string uid_line(uid_t uid) {
  const std::string u = std::to_string(uid);
  return "0 " + u + " 0 " + u;  // real and saved stay the server's (root); effective and fs are the caller's
}

struct Mech {
  std::uint8_t type;
  const char* name;
};
constexpr Mech kMechs[] = {{kAuthTypeKerberos, "kerberos"}, {kAuthTypeSpnego, "spnego"}, {kAuthTypeNtlm, "ntlm"}};

class RemoteSecurityTest : public RemoteTest {};

TEST_F(RemoteSecurityTest, EveryMechanismAtEveryLevelRunsTheCallAsTheMappedUser) {
  const std::string alices = private_file(kAlice.uid);
  const std::string bobs = private_file(kBob.uid);
  for (const Mech& mech : kMechs) {
    for (AuthnLevel level : {AuthnLevel::kConnect, AuthnLevel::kCall, AuthnLevel::kPkt, AuthnLevel::kPktIntegrity,
                             AuthnLevel::kPktPrivacy}) {
      SCOPED_TRACE(std::string(mech.name) + " at level " + std::to_string(static_cast<int>(level)));
      Client c = client(mech.type, level, kAlice);
      auto who = c.call(kProbeInterface, kWhoAmI, {});
      ASSERT_TRUE(who.ok()) << who.status().to_string();
      auto fields = parse_fields(as_text(*who));
      EXPECT_EQ(fields["level"], std::to_string(static_cast<int>(level)));
      EXPECT_EQ(fields["service"], std::to_string(mech.type == kAuthTypeNtlm ? 10 : mech.type));
      EXPECT_EQ(fields["transport"], "tcp");
      EXPECT_EQ(fields["imp"], "3");
      EXPECT_EQ(fields["principal"], mech.type == kAuthTypeNtlm ? "GUISETEST\\alice" : "alice@GUISE.TEST");
      // The kernel: the serving thread takes alice's uid; her file opens, bob's does not.
      auto mine = c.call(kProbeInterface, kOpenAs, as_bytes(alices));
      ASSERT_TRUE(mine.ok()) << mine.status().to_string();
      auto opened = parse_fields(as_text(*mine));
      EXPECT_EQ(opened["Uid"], uid_line(kAlice.uid));
      EXPECT_EQ(opened["open"], "0");
      auto theirs = c.call(kProbeInterface, kOpenAs, as_bytes(bobs));
      ASSERT_TRUE(theirs.ok());
      EXPECT_EQ(parse_fields(as_text(*theirs))["open"], std::to_string(EACCES));
      // Many fragments each way, each with its own verifier and sequence number.
      std::vector<std::byte> big(20'000);
      std::uint64_t expected = 0;
      for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = std::byte{static_cast<std::uint8_t>(i * 7)};
        expected += static_cast<std::uint8_t>(i * 7);
      }
      auto sum = c.call(kProbeInterface, kSum, big);
      ASSERT_TRUE(sum.ok()) << sum.status().to_string();
      EXPECT_EQ(parse_fields(as_text(*sum))["sum"], std::to_string(expected));
      std::vector<std::byte> n = {std::byte{0x20}, std::byte{0x4e}, std::byte{0}, std::byte{0}};  // 20000
      auto reply = c.call(kProbeInterface, kBigReply, n);
      ASSERT_TRUE(reply.ok()) << reply.status().to_string();
      ASSERT_EQ(reply->size(), 20000u);
      EXPECT_EQ((*reply)[12345], std::byte{static_cast<std::uint8_t>(12345)});
    }
  }
}

TEST_F(RemoteSecurityTest, IdentifyLevelNamesTheCallerButTheKernelDoesNotTakeItsIds) {
  const std::string alices = private_file(kAlice.uid);
  for (const Mech& mech : kMechs) {
    SCOPED_TRACE(mech.name);
    Client c = client(mech.type, AuthnLevel::kPktPrivacy, kAlice, ImpersonationLevel::kIdentify);
    auto who = c.call(kProbeInterface, kWhoAmI, {});
    if (mech.type == kAuthTypeNtlm) {
      // gss-ntlmssp cannot ask for NTLMSSP_NEGOTIATE_IDENTIFY: the client refuses rather than grant
      // the server more than IDENTIFY.
      ASSERT_FALSE(who.ok());
      EXPECT_EQ(who.status().code(), StatusCode::kAccessDenied);
      continue;
    }
    ASSERT_TRUE(who.ok()) << who.status().to_string();
    EXPECT_EQ(parse_fields(as_text(*who))["imp"], "2");
    auto opened = c.call(kProbeInterface, kOpenAs, as_bytes(alices));
    ASSERT_TRUE(opened.ok());
    auto f = parse_fields(as_text(*opened));
    EXPECT_NE(f["Uid"], uid_line(kAlice.uid));
    EXPECT_NE(f["open"], "0");
  }
}

TEST_F(RemoteSecurityTest, AWrongPasswordIsRefusedPromptlyNeverAHang) {
  for (const Mech& mech : kMechs) {
    SCOPED_TRACE(mech.name);
    Client c = client(mech.type, AuthnLevel::kPktIntegrity, kAlice, ImpersonationLevel::kImpersonate, 0, "wrong-Pw9");
    auto who = c.call(kProbeInterface, kWhoAmI, {});
    ASSERT_FALSE(who.ok());
    EXPECT_NE(who.status().code(), StatusCode::kDeadlineExceeded) << who.status().to_string();
    EXPECT_EQ(who.status().code(), StatusCode::kAccessDenied) << who.status().to_string();
  }
}

TEST_F(RemoteSecurityTest, APrincipalThatMapsToNoLocalUserIsRefused) {
  for (const Mech& mech : kMechs) {
    SCOPED_TRACE(mech.name);
    Client c = client(mech.type, AuthnLevel::kPktIntegrity, kCarol);
    auto who = c.call(kProbeInterface, kWhoAmI, {});
    ASSERT_FALSE(who.ok());
    EXPECT_EQ(who.status().code(), StatusCode::kAccessDenied) << who.status().to_string();
  }
}

// Spec R63: a thread impersonating (local) uid X that calls a remote server with Kerberos and no
// explicit credentials presents X's tickets — X's default cache, krb5.conf's default_ccache_name
// expanded for X (here <realm dir>/krb5cc_X) — so the remote server sees X's principal. A thread at
// the process's own identity has no such cache here.
TEST_F(RemoteSecurityTest, AnImpersonatingThreadPresentsItsCallersCredentialCache) {
  gssapi::ClientCredentials creds;
  creds.target = "host@localhost";  // no user, password, keytab or cache: the thread's default
  ClientOptions options;
  options.security = gssapi::make_client_security(kAuthTypeKerberos, creds);
  options.call_timeout = std::chrono::seconds(20);
  auto c = Client::create("ncacn_ip_tcp:127.0.0.1[" + std::to_string(port_) + "]",
                          AuthInfo{AuthnLevel::kPktIntegrity, ImpersonationLevel::kImpersonate, 0}, options);
  ASSERT_TRUE(c.ok());
  for (const RealmUser* user : {&kAlice, &kBob}) {
    SCOPED_TRACE(user->name);
    const std::string path = TestRealm::path("krb5cc_" + std::to_string(user->uid));
    struct Remove {
      std::string path;
      ~Remove() { ::unlink(path.c_str()); }
    } remove{path};
    ASSERT_EQ(TestRealm::kinit(*user, "FILE:" + path), 0);
    ASSERT_EQ(::chown(path.c_str(), user->uid, user->uid), 0);  // 0600, the user's own
    auto scope = identity::impersonate(
        identity::Token::for_ids(user->uid, user->uid, {user->uid}, ImpersonationLevel::kImpersonate));
    ASSERT_TRUE(scope.ok()) << scope.status().to_string();
    auto who = c->call(kProbeInterface, kWhoAmI, {});
    scope->revert();
    ASSERT_TRUE(who.ok()) << who.status().to_string();
    EXPECT_EQ(parse_fields(as_text(*who))["principal"], std::string(user->name) + "@GUISE.TEST");
  }
  auto as_root = c->call(kProbeInterface, kWhoAmI, {});
  ASSERT_FALSE(as_root.ok()) << "root's default cache holds no ticket";
  EXPECT_EQ(as_root.status().code(), StatusCode::kAccessDenied) << as_root.status().to_string();
}

class RemoteTamperTest : public RemoteTest {
 public:
  Client proxied(const Mech& mech, AuthnLevel level, int proxy_port) {
    return client(mech.type, level, kAlice, ImpersonationLevel::kImpersonate, proxy_port);
  }
};

void run_mutated(RemoteTamperTest& t, int server_port, const Mech& mech, AuthnLevel level,
                 const std::function<std::vector<Pdu>(int request_index, const Pdu& request, const Pdu& first)>& change,
                 std::uint32_t fault, bool big) {
  Pdu first_request;
  int requests = 0;
  PduProxy proxy(server_port, [&](int, const Pdu& pdu) -> std::vector<Pdu> {
    if (pdu_type(pdu) != 0) return {pdu};
    const int index = requests++;
    if (index == 0) first_request = pdu;
    return change(index, pdu, first_request);
  });
  Client c = t.proxied(mech, level, proxy.port());
  std::vector<std::byte> stub = big ? std::vector<std::byte>(12'000, std::byte{1}) : as_bytes("x");
  auto first = c.call(kProbeInterface, big ? kSum : kEcho, stub);
  const bool first_ran = first.ok();  // only when the change is to a later request (replay)
  if (first_ran) {
    EXPECT_FALSE(c.call(kProbeInterface, kWhoAmI, {}).ok());
  }
  int faults = 0, responses = 0;
  for (const Pdu& p : proxy.from_server()) {
    if (pdu_type(p) == 3) {
      EXPECT_EQ(fault_status_of(p), fault);
      EXPECT_TRUE(std::to_integer<int>(p[3]) & 0x20) << "PFC_DID_NOT_EXECUTE";
      ++faults;
    }
    if (pdu_type(p) == 2) ++responses;
  }
  EXPECT_EQ(faults, 1);
  EXPECT_EQ(responses, first_ran ? 1 : 0) << "the altered request ran";
}

TEST_F(RemoteTamperTest, TamperedReplayedReorderedUnverifiedAndDowngradedRequestsAreRefused) {
  for (const Mech& mech : kMechs) {
    for (AuthnLevel level : {AuthnLevel::kPktIntegrity, AuthnLevel::kPktPrivacy}) {
      SCOPED_TRACE(std::string(mech.name) + " at level " + std::to_string(static_cast<int>(level)));
      {
        SCOPED_TRACE("tampered body");
        run_mutated(*this, port_, mech, level, [](int, const Pdu& p, const Pdu&) {
          Pdu t = p;
          t[24] ^= std::byte{0x01};
          return std::vector<Pdu>{t};
        }, kNcaFaultSecPkgError, false);
      }
      {
        SCOPED_TRACE("tampered header (call id)");
        run_mutated(*this, port_, mech, level, [](int, const Pdu& p, const Pdu&) {
          Pdu t = p;
          t[20] ^= std::byte{0x01};  // opnum: covered by the signature, not by sealing
          return std::vector<Pdu>{t};
        }, kNcaFaultSecPkgError, false);
      }
      {
        SCOPED_TRACE("replayed");
        run_mutated(*this, port_, mech, level, [](int index, const Pdu& p, const Pdu& first) {
          return std::vector<Pdu>{index == 1 ? first : p};
        }, kNcaFaultSecPkgError, false);
      }
      {
        SCOPED_TRACE("reordered fragments");
        Pdu held;
        run_mutated(*this, port_, mech, level, [&held](int index, const Pdu& p, const Pdu&) {
          if (index == 0) {
            held = p;
            return std::vector<Pdu>{};
          }
          if (index == 1) return std::vector<Pdu>{p, held};
          return std::vector<Pdu>{p};
        }, kNcaFaultSecPkgError, true);
      }
      {
        SCOPED_TRACE("verifier stripped");
        run_mutated(*this, port_, mech, level, [](int, const Pdu& p, const Pdu&) {
          return std::vector<Pdu>{strip_verifier(p)};
        }, kNcaProtoError, false);
      }
      {
        SCOPED_TRACE("level lowered in the sec_trailer");
        run_mutated(*this, port_, mech, level, [](int, const Pdu& p, const Pdu&) {
          Pdu t = p;
          const std::size_t auth_length = std::to_integer<std::size_t>(t[10]) | (std::to_integer<std::size_t>(t[11]) << 8);
          t[t.size() - auth_length - 8 + 1] = std::byte{4};  // PKT
          return std::vector<Pdu>{t};
        }, kNcaFaultSecPkgError, false);
      }
    }
  }
}

// CALL and PKT carry a verifier on every PDU too (MS-RPCE §2.2.2.12): an altered or replayed request
// is refused at those levels as well.
TEST_F(RemoteTamperTest, CallAndPktLevelsVerifyEveryRequest) {
  for (const Mech& mech : kMechs) {
    for (AuthnLevel level : {AuthnLevel::kCall, AuthnLevel::kPkt}) {
      SCOPED_TRACE(std::string(mech.name) + " at level " + std::to_string(static_cast<int>(level)));
      run_mutated(*this, port_, mech, level, [](int, const Pdu& p, const Pdu&) {
        Pdu t = p;
        t[24] ^= std::byte{0x01};
        return std::vector<Pdu>{t};
      }, kNcaFaultSecPkgError, false);
      run_mutated(*this, port_, mech, level, [](int index, const Pdu& p, const Pdu& first) {
        return std::vector<Pdu>{index == 1 ? first : p};
      }, kNcaFaultSecPkgError, false);
    }
  }
}

TEST_F(RemoteTamperTest, TheClientRefusesATamperedOrReplayedResponse) {
  for (const Mech& mech : kMechs) {
    for (AuthnLevel level : {AuthnLevel::kPktIntegrity, AuthnLevel::kPktPrivacy}) {
      SCOPED_TRACE(std::string(mech.name) + " at level " + std::to_string(static_cast<int>(level)));
      for (bool replay : {false, true}) {
        int responses = 0;
        Pdu first;
        PduProxy proxy(port_, nullptr, [&](int, const Pdu& pdu) -> std::vector<Pdu> {
          if (pdu_type(pdu) != 2) return {pdu};
          const int index = responses++;
          if (index == 0) {
            first = pdu;
            return {pdu};
          }
          Pdu t = pdu;
          if (replay) {
            t = first;
            t[12] = pdu[12];  // the call id of this call, so only the verifier can tell
          } else {
            t[25] ^= std::byte{0x01};
          }
          return {t};
        });
        Client c = proxied(mech, level, proxy.port());
        auto one = c.call(kProbeInterface, kEcho, as_bytes("one"));
        ASSERT_TRUE(one.ok()) << one.status().to_string();
        auto two = c.call(kProbeInterface, kEcho, as_bytes("two"));
        ASSERT_FALSE(two.ok());
        EXPECT_EQ(two.status().hresult().value_or(0), E_ACCESSDENIED) << two.status().to_string();
      }
    }
  }
}

class RemoteMinimumLevelTest : public RemoteTest {
 protected:
  ServerOptions server_options() override {
    ServerOptions o;
    o.minimum_authn_level = AuthnLevel::kPktIntegrity;
    return o;
  }
};

TEST_F(RemoteMinimumLevelTest, CallsBelowTheServersMinimumLevelAreRefused) {
  Client weak = client(kAuthTypeNtlm, AuthnLevel::kConnect, kAlice);
  auto refused = weak.call(kProbeInterface, kWhoAmI, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAccessDenied);
  auto anonymous = Client::create("ncacn_ip_tcp:127.0.0.1[" + std::to_string(port_) + "]");
  ASSERT_TRUE(anonymous.ok());
  auto none = anonymous->call(kProbeInterface, kWhoAmI, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kAccessDenied);
  Client strong = client(kAuthTypeKerberos, AuthnLevel::kPktIntegrity, kAlice);
  EXPECT_TRUE(strong.call(kProbeInterface, kWhoAmI, {}).ok());
}

}  // namespace
}  // namespace guise::rpc::testing
