// guise's SPNEGO acceptor (spnego_acceptor.h) against MIT's Kerberos initiator and acceptor, with
// tickets from the test KDC: the negotiation rules of RFC 4178 that impacket and guise's own client
// do not exercise — Kerberos offered second (request-mic, mandatory mechListMIC), a MIC over an
// altered mechanism list, no Kerberos at all — and impacket's framing of the AP-REQ, which MIT's
// Kerberos acceptor alone refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "integration/remote/remote_fixture.h"
#include "rpc/gssapi/ap_req_flags.h"
#include "rpc/gssapi/gss_handles.h"
#include "rpc/gssapi/spnego_acceptor.h"
#include "rpc/gssapi/spnego_token.h"

namespace guise::rpc::testing {
namespace {

using gssapi::MechStep;
using gssapi::SpnegoAcceptor;
namespace spnego = rpc::spnego;

std::vector<std::byte> copy(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

// MIT's Kerberos initiator in DCE style, as alice.
class Initiator {
 public:
  Initiator() {
    gss::OidSet mechs{&gss::kMechKerberos};
    auto name = gss::Name::import(kAlice.name, GSS_KRB5_NT_PRINCIPAL_NAME);
    EXPECT_TRUE(name.ok());
    name_ = std::move(name).value();
    gss_buffer_desc password{std::strlen(kAlice.password), const_cast<char*>(kAlice.password)};
    OM_uint32 minor = 0;
    EXPECT_EQ(gss_acquire_cred_with_password(&minor, name_.get(), &password, GSS_C_INDEFINITE, mechs.get(),
                                             GSS_C_INITIATE, cred_.out(), nullptr, nullptr),
              GSS_S_COMPLETE);
    auto target = gss::Name::import("host@localhost", GSS_C_NT_HOSTBASED_SERVICE);
    EXPECT_TRUE(target.ok());
    target_ = std::move(target).value();
  }
  // The next token (raw, DCE style); `complete` says whether the initiator is done.
  std::vector<std::byte> step(std::span<const std::byte> input) {
    gss_buffer_desc in = gss::view(input);
    gss::Buffer out;
    OM_uint32 minor = 0;
    const OM_uint32 flags = GSS_C_MUTUAL_FLAG | GSS_C_DCE_STYLE | GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG |
                            GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG;
    OM_uint32 major = gss_init_sec_context(&minor, cred_.get(), context.out(), target_.get(), &gss::kMechKerberos,
                                           flags, GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
                                           input.empty() ? GSS_C_NO_BUFFER : &in, nullptr, out.get(), nullptr, nullptr);
    EXPECT_FALSE(GSS_ERROR(major)) << gss::describe(major, minor);
    complete = major == GSS_S_COMPLETE;
    return out.copy();
  }
  std::vector<std::byte> mic(std::span<const std::byte> data) {
    gss_buffer_desc in = gss::view(data);
    gss::Buffer out;
    OM_uint32 minor = 0;
    EXPECT_EQ(gss_get_mic(&minor, context.get(), GSS_C_QOP_DEFAULT, &in, out.get()), GSS_S_COMPLETE);
    return out.copy();
  }
  bool verifies(std::span<const std::byte> data, std::span<const std::byte> mic) {
    gss_buffer_desc in = gss::view(data);
    gss_buffer_desc token = gss::view(mic);
    OM_uint32 minor = 0;
    return gss_verify_mic(&minor, context.get(), &in, &token, nullptr) == GSS_S_COMPLETE;
  }
  gss::Context context;
  bool complete = false;

 private:
  gss::Name name_, target_;
  gss::Credential cred_;
};

// MIT's Kerberos acceptor with the service keytab; the mechanism under guise's SPNEGO acceptor.
class Acceptor {
 public:
  Acceptor() {
    gss::OidSet mechs{&gss::kMechKerberos};
    const std::string keytab = TestRealm::path("server.keytab");
    gss_key_value_element_desc element{"keytab", keytab.c_str()};
    gss_key_value_set_desc store{1, &element};
    OM_uint32 minor = 0;
    EXPECT_EQ(gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, mechs.get(), GSS_C_ACCEPT, &store,
                                    cred_.out(), nullptr, nullptr),
              GSS_S_COMPLETE);
  }
  OM_uint32 accept(std::span<const std::byte> token, std::vector<std::byte>& output) {
    gss_buffer_desc in = gss::view(token);
    gss::Buffer out;
    OM_uint32 minor = 0;
    OM_uint32 major = gss_accept_sec_context(&minor, context.out(), cred_.get(), &in, GSS_C_NO_CHANNEL_BINDINGS,
                                             nullptr, nullptr, out.get(), nullptr, nullptr, nullptr);
    output = out.copy();
    return major;
  }
  gssapi::MechAcceptor mech() {
    return [this](std::span<const std::byte> token) -> Result<MechStep> {
      std::vector<std::byte> out;
      // As guise's acceptor hands MIT the first token (ap_req_flags.h): a framed DCE-style AP-REQ raw.
      if (context.get() == GSS_C_NO_CONTEXT) token = gssapi::first_token_for_mit(token, "");
      OM_uint32 major = accept(token, out);
      if (GSS_ERROR(major)) return access_denied("Kerberos refused the token: " + gss::describe(major, 0));
      return MechStep{out, major == GSS_S_COMPLETE};
    };
  }
  Result<SpnegoAcceptor::Leg> step(std::span<const std::byte> token) { return spnego.step(token, mech(), context); }
  gss::Context context;
  SpnegoAcceptor spnego;

 private:
  gss::Credential cred_;
};

// RFC 2743 §3.1 framing of a raw AP-REQ under `oid`, as impacket sends it.
std::vector<std::byte> framed(std::span<const std::byte> oid, std::span<const std::byte> ap_req) {
  std::vector<std::byte> inner = der::element(der::kOid, oid);
  inner.push_back(std::byte{0x01});
  inner.push_back(std::byte{0x00});
  inner.insert(inner.end(), ap_req.begin(), ap_req.end());
  return der::element(der::kApplication0, inner);
}

class SpnegoNegotiationTest : public RemoteTest {};

TEST_F(SpnegoNegotiationTest, MitAloneRefusesAFramedDceStyleApReqThatGuiseUnframes) {
  Initiator client;
  auto ap_req = client.step({});
  ASSERT_EQ(std::to_integer<int>(ap_req.at(0)), 0x6e) << "MIT sends a DCE-style AP-REQ raw";
  std::vector<std::byte> out;
  EXPECT_EQ(Acceptor().accept(framed(spnego::kOidKerberos, ap_req), out), GSS_S_DEFECTIVE_TOKEN)
      << "MIT's Kerberos acceptor refuses DCE style in GSS-API framing (MS-KILE §3.4.5.1)";
  // impacket's shape through guise's SPNEGO: Microsoft's OID listed alone, no mechListMIC.
  Acceptor server;
  const std::span<const std::byte> mechs[] = {spnego::kOidKerberosMicrosoft};
  auto first = server.step(spnego::encode_init(mechs, framed(spnego::kOidKerberos, ap_req), {}));
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_FALSE(first->complete);
  auto resp = spnego::parse_resp(first->reply);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->neg_state, spnego::NegState::kAcceptIncomplete);
  EXPECT_TRUE(std::ranges::equal(*resp->supported_mech, spnego::kOidKerberosMicrosoft)) << "echoed as listed";
  auto client_ap_rep = client.step(*resp->response_token);
  ASSERT_TRUE(client.complete);
  auto last = server.step(spnego::encode_resp({std::nullopt, {}, client_ap_rep, {}}));
  ASSERT_TRUE(last.ok()) << last.status().to_string();
  EXPECT_TRUE(last->complete);
  auto done = spnego::parse_resp(last->reply);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->neg_state, spnego::NegState::kAcceptCompleted);
  EXPECT_FALSE(done->supported_mech.has_value());
  EXPECT_FALSE(done->mech_list_mic.has_value()) << "no unsolicited MIC";
  EXPECT_FALSE(server.step(last->reply).ok()) << "no leg after completion";
}

// Kerberos second in the list: the optimistic token is for another mechanism, guise asks for
// Kerberos with request-mic, and the initiator's final token must carry a MIC that verifies.
TEST_F(SpnegoNegotiationTest, KerberosOfferedSecondRequiresAVerifiedMechListMic) {
  const std::span<const std::byte> mechs[] = {spnego::kOidNtlmssp, spnego::kOidKerberos};
  const auto ntlm_negotiate = std::vector<std::byte>{std::byte{'N'}, std::byte{'T'}, std::byte{'L'}, std::byte{'M'}};
  const auto init = spnego::encode_init(mechs, ntlm_negotiate, {});
  const auto list = copy(spnego::parse_init(init)->mech_types_der);
  for (bool with_mic : {false, true}) {
    SCOPED_TRACE(with_mic ? "with the initiator's MIC" : "without it");
    Initiator client;
    Acceptor server;
    auto first = server.step(init);
    ASSERT_TRUE(first.ok()) << first.status().to_string();
    auto ask = spnego::parse_resp(first->reply);
    ASSERT_TRUE(ask.ok());
    EXPECT_EQ(ask->neg_state, spnego::NegState::kRequestMic);
    EXPECT_TRUE(std::ranges::equal(*ask->supported_mech, spnego::kOidKerberos));
    EXPECT_FALSE(ask->response_token.has_value()) << "the NTLM token was not given to Kerberos";
    auto second = server.step(spnego::encode_resp({std::nullopt, {}, client.step({}), {}}));
    ASSERT_TRUE(second.ok()) << second.status().to_string();
    auto ap_rep = spnego::parse_resp(second->reply);
    ASSERT_TRUE(ap_rep.ok());
    EXPECT_FALSE(ap_rep->supported_mech.has_value()) << "supportedMech only in the first reply";
    auto final_token = client.step(*ap_rep->response_token);
    ASSERT_TRUE(client.complete);
    std::vector<std::byte> mic = with_mic ? client.mic(list) : std::vector<std::byte>{};
    auto last = server.step(spnego::encode_resp({std::nullopt, {}, final_token, mic}));
    if (!with_mic) {
      ASSERT_FALSE(last.ok());
      EXPECT_EQ(last.status().code(), StatusCode::kAccessDenied);
      continue;
    }
    ASSERT_TRUE(last.ok()) << last.status().to_string();
    EXPECT_TRUE(last->complete);
    auto done = spnego::parse_resp(last->reply);
    ASSERT_TRUE(done.ok() && done->mech_list_mic.has_value());
    EXPECT_EQ(done->neg_state, spnego::NegState::kAcceptCompleted);
    EXPECT_TRUE(client.verifies(list, *done->mech_list_mic)) << "guise's MIC verifies with MIT's initiator";
  }
}

TEST_F(SpnegoNegotiationTest, AMicOverAnAlteredMechanismListIsRefused) {
  Initiator client;
  Acceptor server;
  const std::span<const std::byte> offered[] = {spnego::kOidKerberos};
  const std::span<const std::byte> claimed[] = {spnego::kOidKerberos, spnego::kOidNtlmssp};
  auto first = server.step(spnego::encode_init(offered, client.step({}), {}));
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  auto final_token = client.step(*spnego::parse_resp(first->reply)->response_token);
  // The initiator's MIC covers the list it believes it sent; the acceptor saw another.
  const auto other = spnego::encode_init(claimed, {}, {});
  auto last = server.step(
      spnego::encode_resp({std::nullopt, {}, final_token, client.mic(spnego::parse_init(other)->mech_types_der)}));
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.status().code(), StatusCode::kAccessDenied) << last.status().to_string();
}

TEST_F(SpnegoNegotiationTest, NoKerberosOfferedAndMalformedTokensAreRefused) {
  Acceptor server;
  const std::span<const std::byte> ntlm_only[] = {spnego::kOidNtlmssp};
  auto refused = server.step(spnego::encode_init(ntlm_only, {}, {}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kAccessDenied);
  Acceptor other;
  auto garbage = other.step(std::vector<std::byte>(40, std::byte{0x60}));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidInput);
  Acceptor third;
  const std::span<const std::byte> kerberos[] = {spnego::kOidKerberos};
  auto not_ap_req = third.step(spnego::encode_init(kerberos, std::vector<std::byte>{std::byte{0x6f}, std::byte{0}}, {}));
  ASSERT_FALSE(not_ap_req.ok());
  EXPECT_EQ(not_ap_req.status().code(), StatusCode::kInvalidInput);
}

}  // namespace
}  // namespace guise::rpc::testing
