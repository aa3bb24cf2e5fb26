#include <gtest/gtest.h>

#include "rpc/local_security.h"
#include "rpc/presentation.h"

namespace guise::rpc {
namespace {

TEST(LocalAuthValue, RoundTrips) {
  LocalAuthValue v;
  v.imp_level = 3;
  v.capabilities = 0x40;
  auto decoded = LocalAuthValue::decode(v.encode());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->imp_level, 3u);
  EXPECT_EQ(decoded->capabilities, 0x40u);
}

TEST(LocalAuthValue, RejectsWrongMagicAndExtraBytes) {
  auto bytes = LocalAuthValue{}.encode();
  bytes[0] = std::byte{0};
  EXPECT_EQ(LocalAuthValue::decode(bytes).error(), DecodeError::kBadField);
  auto longer = LocalAuthValue{}.encode();
  longer.push_back(std::byte{0});
  EXPECT_EQ(LocalAuthValue::decode(longer).error(), DecodeError::kTrailingBytes);
}

TEST(LocalSecurityProvider, RefusesPeersTheKernelDidNotAttest) {
  LocalSecurityProvider provider;
  TransportPeer tcp;
  tcp.kind = TransportKind::kTcp;
  auto r = provider.accept(make_local_auth_request(AuthnLevel::kConnect, identity::ImpersonationLevel::kImpersonate, 0, 0),
                           tcp);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAccessDenied);
}

TEST(LocalSecurityProvider, GrantsTheRequestedLevelsToAnAttestedPeer) {
  LocalSecurityProvider provider;
  TransportPeer peer;
  peer.credentials = identity::PeerCredentials{};
  peer.credentials->uid = 41001;
  peer.credentials->gid = 41001;
  peer.credentials->groups = std::vector<gid_t>{41001};
  auto r = provider.accept(make_local_auth_request(AuthnLevel::kPkt, identity::ImpersonationLevel::kIdentify, 0, 5),
                           peer);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->context.level, AuthnLevel::kPkt);
  EXPECT_EQ(r->context.imp_level, identity::ImpersonationLevel::kIdentify);
  EXPECT_EQ(r->context.auth_context_id, 5u);
  ASSERT_TRUE(r->context.caller.has_value());
  EXPECT_EQ(r->context.caller->uid(), 41001u);
  EXPECT_EQ(r->context.caller->level(), identity::ImpersonationLevel::kIdentify);
  ASSERT_TRUE(r->reply.has_value());
  auto answer = LocalAuthValue::decode(r->reply->auth_value);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->flags, LocalAuthValue::kFlagGranted);
}

TEST(LocalSecurityProvider, RejectsLevelNoneAndUnknownImpersonationLevels) {
  LocalSecurityProvider provider;
  TransportPeer peer;
  peer.credentials = identity::PeerCredentials{};
  auto none = make_local_auth_request(AuthnLevel::kNone, identity::ImpersonationLevel::kIdentify, 0, 0);
  EXPECT_FALSE(provider.accept(none, peer).ok());
  auto bad = make_local_auth_request(AuthnLevel::kConnect, static_cast<identity::ImpersonationLevel>(9), 0, 0);
  EXPECT_FALSE(provider.accept(bad, peer).ok());
}

TEST(Negotiation, RejectsUnknownInterfacesAndReboundContextIds) {
  InterfaceRegistry registry;
  SyntaxId iface{{1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}}, 1, 0};
  ASSERT_TRUE(registry.add({iface, "x", {}}).ok());
  SyntaxId other = iface;
  other.uuid.Data1 = 99;
  SyntaxId newer_minor = iface;
  newer_minor.minor = 1;
  std::map<std::uint16_t, const InterfaceRegistration*> existing;
  auto out = negotiate_contexts({{0, iface, {kNdr20Syntax}}, {1, other, {kNdr20Syntax}},
                                 {2, newer_minor, {kNdr20Syntax}}, {0, iface, {kNdr20Syntax}}},
                                registry, existing);
  ASSERT_EQ(out.results.size(), 4u);
  EXPECT_EQ(out.results[0].result, ContextResult::kAcceptance);
  EXPECT_EQ(out.results[1].reason, 1);  // abstract syntax not supported
  EXPECT_EQ(out.results[2].reason, 1);  // client minor above ours
  EXPECT_EQ(out.results[3].result, ContextResult::kProviderRejection);  // id 0 twice in one PDU
  EXPECT_EQ(out.accepted.size(), 1u);
}

}  // namespace
}  // namespace guise::rpc
