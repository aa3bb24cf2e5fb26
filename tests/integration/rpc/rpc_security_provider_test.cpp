// Pluggable security providers: a three-legged provider with per-PDU sign/seal (the shape of a
// GSSAPI provider) through the real client and server, over TCP and AF_UNIX.
#include <gtest/gtest.h>

#include "integration/rpc/rpc_fixture.h"
#include "integration/rpc/toy_security.h"
#include "rpc/client.h"
#include "rpc/fault_status.h"

namespace guise::rpc::testing {
namespace {

class RpcProviderTest : public RpcServerTest {
 protected:
  void configure(Server& server) override { server.add_security_provider(make_toy_server_provider()); }

  Client client(const std::string& binding, AuthnLevel level) {
    ClientOptions options;
    options.security = [] { return make_toy_client_provider(); };
    auto c = Client::create(binding, AuthInfo{level, identity::ImpersonationLevel::kIdentify, 0}, options);
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return std::move(c).value();
  }
};

TEST_F(RpcProviderTest, SealedAndSignedCallsRoundTripInFragmentsOverTcpAndUnix) {
  for (const std::string& binding : {tcp_, local_}) {
    for (AuthnLevel level : {AuthnLevel::kPktIntegrity, AuthnLevel::kPktPrivacy, AuthnLevel::kConnect}) {
      Client c = client(binding, level);
      auto echoed = c.call(kProbeInterface, kEcho, as_bytes("sealed hello"));
      ASSERT_TRUE(echoed.ok()) << echoed.status().to_string();
      EXPECT_EQ(as_text(*echoed), "sealed hello");
      std::vector<std::byte> big(30'000);
      std::uint64_t expected = 0;
      for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = std::byte{static_cast<std::uint8_t>(i * 13)};
        expected += static_cast<std::uint8_t>(i * 13);
      }
      auto sum = c.call(kProbeInterface, kSum, big);  // many request fragments, each with a verifier
      ASSERT_TRUE(sum.ok()) << sum.status().to_string();
      EXPECT_EQ(parse_fields(as_text(*sum))["sum"], std::to_string(expected));
      std::vector<std::byte> n = {std::byte{0x20}, std::byte{0x4e}, std::byte{0}, std::byte{0}};  // 20000
      auto reply = c.call(kProbeInterface, kBigReply, n);  // many response fragments
      ASSERT_TRUE(reply.ok()) << reply.status().to_string();
      ASSERT_EQ(reply->size(), 20000u);
      EXPECT_EQ((*reply)[19999], std::byte{static_cast<std::uint8_t>(19999)});
      auto who = c.call(kProbeInterface, kWhoAmI, {});
      ASSERT_TRUE(who.ok());
      EXPECT_EQ(parse_fields(as_text(*who))["level"], std::to_string(static_cast<int>(level)));
    }
  }
}

// Binds with the toy provider at PKT_PRIVACY on a raw connection, through auth3.
RawConnection toy_bound(const std::string& local) {
  RawConnection c(local);
  c.send(probe_bind(1, AuthVerifier{kToyAuthType, 6, 0, 0, 0,
                                    {std::byte{'H'}, std::byte{'E'}, std::byte{'L'}, std::byte{'L'}, std::byte{'O'}}}));
  auto ack = c.receive_pdu();
  EXPECT_TRUE(ack.has_value() && (*ack)[2] == std::byte{12});
  Auth3Pdu auth3;
  auth3.header.call_id = 1;
  auth3.header.flags = kPfcFirstFrag | kPfcLastFrag;
  auth3.auth = AuthVerifier{kToyAuthType, 6, 0, 0, 0, {std::byte{0xce}, std::byte{0xab}, std::byte{0x34}, std::byte{0x12}}};
  c.send(encode_auth3(auth3));
  return c;
}

TEST_F(RpcProviderTest, ARequestWithABadVerifierFaultsSecPkgErrorAndCloses) {
  RawConnection c = toy_bound(local_);
  auto stub = as_bytes("abcd");
  RequestPdu r;
  r.header.flags = kPfcFirstFrag | kPfcLastFrag;
  r.header.call_id = 2;
  r.stub = stub;
  r.auth = AuthVerifier{kToyAuthType, 6, 0, 0, 0, toy_verifier(0, as_bytes("forged"))};
  c.send(encode_request(r));
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  auto decoded = decode_pdu(*fault, Limits{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<FaultPdu>(*decoded).status, kNcaFaultSecPkgError);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(RpcProviderTest, ARequestWithoutItsContextsVerifierIsAProtocolError) {
  RawConnection c = toy_bound(local_);
  c.send(probe_request(kEcho, as_bytes("plain")));
  auto fault = c.receive_pdu();
  ASSERT_TRUE(fault.has_value());
  auto decoded = decode_pdu(*fault, Limits{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<FaultPdu>(*decoded).status, kNcaProtoError);
  EXPECT_TRUE(c.closed_by_server());
}

}  // namespace
}  // namespace guise::rpc::testing
