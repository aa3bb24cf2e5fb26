// guise's client against Samba's samba-dcerpcd (a DCE/RPC server nobody here wrote), over TCP with
// NTLM, Kerberos and SPNEGO (Kerberos tickets from the test KDC) at PKT, PKT_INTEGRITY and PKT_PRIVACY:
// wkssvc NetrWkstaGetInfo level 100 and srvsvc NetrServerGetInfo level 101 through stubs guise-midl
// generated from netapi.idl, answered with the names the test's smb.conf gave Samba. Through a
// PDU-altering proxy: Samba refuses a request guise signed whose bytes were changed, and guise
// refuses a response Samba signed whose bytes were changed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "guise/winerror.h"
#include "integration/remote/pdu_proxy.h"
#include "integration/remote/samba_server.h"
#include "integration/remote/test_realm.h"
#include "netapi.h"
#include "rpc/client.h"
#include "rpc/gssapi/gss_client.h"
#include "rpc/ndr_interface.h"

namespace guise::rpc::testing {
namespace {

std::u16string text(const WCHAR* s) { return s ? std::u16string(s) : std::u16string(u"(null)"); }
std::u16string u16(const char* s) { return std::u16string(s, s + std::char_traits<char>::length(s)); }

class SambaInteropTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      skip_reason_ = "needs root (a mount namespace for Samba's logs)";
      return;
    }
    if (auto why = TestRealm::start()) {
      skip_reason_ = *why;
      return;
    }
    if (auto why = SambaServer::start()) skip_reason_ = *why;
  }
  static void TearDownTestSuite() {
    SambaServer::stop();
    TestRealm::stop();
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    wkssvc_port_ = SambaServer::port_for(IID_wkssvc, 1, 0);
    srvsvc_port_ = SambaServer::port_for(IID_srvsvc, 3, 0);
    ASSERT_NE(wkssvc_port_, 0) << "no port of samba-dcerpcd accepts a wkssvc bind (" << SambaServer::dir() << ")";
    ASSERT_NE(srvsvc_port_, 0);
  }

  static Client client(std::uint8_t auth_type, int port, AuthnLevel level, const char* password = kAlice.password) {
    gssapi::ClientCredentials creds;
    creds.user = kAlice.name;
    creds.password = password;
    if (auth_type == kAuthTypeNtlm) {
      creds.domain = kSambaWorkgroup;
    } else {
      creds.target = "host@localhost";  // the keys in Samba's dedicated keytab
    }
    ClientOptions options;
    options.security = gssapi::make_client_security(auth_type, creds);
    options.call_timeout = std::chrono::seconds(20);
    auto c = Client::create("ncacn_ip_tcp:127.0.0.1[" + std::to_string(port) + "]",
                            AuthInfo{level, identity::ImpersonationLevel::kImpersonate, 0}, options);
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return std::move(c).value();
  }
  static Client ntlm_client(int port, AuthnLevel level, const char* password = kAlice.password) {
    return client(kAuthTypeNtlm, port, level, password);
  }

  // wkssvc level 100 and srvsvc level 101 answer with what smb.conf says.
  void expect_configured_names(std::uint8_t auth_type, AuthnLevel level) {
    Client wks = client(auth_type, wkssvc_port_, level);
    wkssvc_Client wkssvc(call_fn_for(wks, wkssvc_v1_0_s_ifspec));
    WCHAR server_name[] = u"\\\\127.0.0.1";
    WKSTA_INFO wksta{};
    ASSERT_EQ(wkssvc.NetrWkstaGetInfo(nullptr, server_name, 100, &wksta), 0u) << wkssvc.last_status().to_string();
    ASSERT_NE(wksta.WkstaInfo100, nullptr);
    EXPECT_EQ(wksta.WkstaInfo100->wki100_platform_id, 500u);  // PLATFORM_ID_NT
    EXPECT_EQ(text(wksta.WkstaInfo100->wki100_computername), u16(kSambaNetbiosName));
    EXPECT_EQ(text(wksta.WkstaInfo100->wki100_langroup), u16(kSambaWorkgroup));
    ndr::Freer wksta_freer;
    ndr::generated::ndr_free(wksta, 100, wksta_freer);

    Client srv = client(auth_type, srvsvc_port_, level);
    srvsvc_Client srvsvc(call_fn_for(srv, srvsvc_v3_0_s_ifspec));
    SERVER_INFO info{};
    ASSERT_EQ(srvsvc.NetrServerGetInfo(nullptr, server_name, 101, &info), 0u) << srvsvc.last_status().to_string();
    ASSERT_NE(info.ServerInfo101, nullptr);
    EXPECT_EQ(text(info.ServerInfo101->sv101_name), u16(kSambaNetbiosName));
    EXPECT_EQ(text(info.ServerInfo101->sv101_comment), u16(kSambaServerString));
    EXPECT_TRUE(info.ServerInfo101->sv101_type & 0x2u) << "SV_TYPE_SERVER";
    ndr::Freer info_freer;
    ndr::generated::ndr_free(info, 101, info_freer);
  }

  static std::string skip_reason_;
  int wkssvc_port_ = 0;
  int srvsvc_port_ = 0;
};

std::string SambaInteropTest::skip_reason_;

TEST_F(SambaInteropTest, NtlmAtEverySignedLevelGetsTheNamesSambaWasConfiguredWith) {
  for (AuthnLevel level : {AuthnLevel::kPkt, AuthnLevel::kPktIntegrity, AuthnLevel::kPktPrivacy}) {
    SCOPED_TRACE("level " + std::to_string(static_cast<int>(level)));
    expect_configured_names(kAuthTypeNtlm, level);
  }
}

// Samba's own Kerberos and SPNEGO acceptors (gensec, MIT krb5 underneath) against guise's initiator.
TEST_F(SambaInteropTest, KerberosAndSpnegoAtEverySignedLevelGetTheNamesSambaWasConfiguredWith) {
  for (std::uint8_t type : {kAuthTypeKerberos, kAuthTypeSpnego}) {
    for (AuthnLevel level : {AuthnLevel::kPkt, AuthnLevel::kPktIntegrity, AuthnLevel::kPktPrivacy}) {
      SCOPED_TRACE("auth type " + std::to_string(type) + ", level " + std::to_string(static_cast<int>(level)));
      expect_configured_names(type, level);
    }
  }
}

// A wrong password is refused (promptly, not by a timeout). Each side checks the other's signatures:
// a changed request is refused by Samba (the call never answers with data), a changed response is
// refused by guise (E_ACCESSDENIED). (One test: each test program starts its own KDC and Samba.)
TEST_F(SambaInteropTest, AWrongPasswordAndAlteredPdusAreRefused) {
  {
    Client wks = ntlm_client(wkssvc_port_, AuthnLevel::kPktIntegrity, "wrong-Pw9");
    wkssvc_Client wkssvc(call_fn_for(wks, wkssvc_v1_0_s_ifspec));
    WKSTA_INFO wksta{};
    EXPECT_NE(wkssvc.NetrWkstaGetInfo(nullptr, nullptr, 100, &wksta), 0u);
    EXPECT_FALSE(wkssvc.last_status().ok());
    EXPECT_NE(wkssvc.last_status().code(), StatusCode::kDeadlineExceeded) << wkssvc.last_status().to_string();
  }
  struct Case {
    std::uint8_t type;
    AuthnLevel level;
  };
  for (const Case& c : {Case{kAuthTypeNtlm, AuthnLevel::kPktIntegrity}, Case{kAuthTypeNtlm, AuthnLevel::kPktPrivacy},
                        Case{kAuthTypeKerberos, AuthnLevel::kPktIntegrity},
                        Case{kAuthTypeKerberos, AuthnLevel::kPktPrivacy}}) {
    SCOPED_TRACE("auth type " + std::to_string(c.type) + ", level " + std::to_string(static_cast<int>(c.level)));
    {
      PduProxy proxy(wkssvc_port_, [](int, const Pdu& pdu) -> std::vector<Pdu> {
        if (pdu_type(pdu) != 0) return {pdu};
        Pdu t = pdu;
        t[t.size() / 2] ^= std::byte{0x01};  // inside the stub (or its seal)
        return {t};
      });
      Client wks = client(c.type, proxy.port(), c.level);
      wkssvc_Client wkssvc(call_fn_for(wks, wkssvc_v1_0_s_ifspec));
      WKSTA_INFO wksta{};
      EXPECT_NE(wkssvc.NetrWkstaGetInfo(nullptr, nullptr, 100, &wksta), 0u);
      EXPECT_FALSE(wkssvc.last_status().ok());
      for (const Pdu& p : proxy.from_server()) EXPECT_NE(pdu_type(p), 2) << "Samba answered an altered request";
    }
    {
      PduProxy proxy(wkssvc_port_, nullptr, [](int, const Pdu& pdu) -> std::vector<Pdu> {
        if (pdu_type(pdu) != 2) return {pdu};
        Pdu t = pdu;
        t[26] ^= std::byte{0x01};  // first stub octets
        return {t};
      });
      Client wks = client(c.type, proxy.port(), c.level);
      wkssvc_Client wkssvc(call_fn_for(wks, wkssvc_v1_0_s_ifspec));
      WKSTA_INFO wksta{};
      EXPECT_NE(wkssvc.NetrWkstaGetInfo(nullptr, nullptr, 100, &wksta), 0u);
      EXPECT_EQ(wkssvc.last_status().hresult().value_or(0), E_ACCESSDENIED) << wkssvc.last_status().to_string();
    }
  }
}

}  // namespace
}  // namespace guise::rpc::testing
