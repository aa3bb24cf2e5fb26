#include <gtest/gtest.h>

#include "rpc/pdu.h"
#include "unit/rpc/pdu_vectors.h"

namespace guise::rpc {
namespace {

using testing::bytes_of;
using testing::kTestInterface;
using testing::make_bind;

TEST(BindCodec, RoundTripsContextsAndVerifier) {
  BindPdu b = make_bind(5);
  b.contexts.push_back({1, kTestInterface, {kNdr64Syntax, kNdr20Syntax}});
  b.auth = AuthVerifier{kAuthTypeGuiseLocal, 6, 0, 0, 77, bytes_of({9, 8, 7, 6})};
  auto bytes = encode_bind(b);
  auto decoded = decode_pdu(bytes, Limits{});
  ASSERT_TRUE(decoded.ok()) << decode_error_name(decoded.error());
  const auto& got = std::get<BindPdu>(*decoded);
  EXPECT_EQ(got.header.call_id, 5u);
  EXPECT_EQ(got.max_xmit_frag, 4280);
  ASSERT_EQ(got.contexts.size(), 2u);
  EXPECT_EQ(got.contexts[1].context_id, 1);
  EXPECT_EQ(got.contexts[1].abstract_syntax, kTestInterface);
  ASSERT_EQ(got.contexts[1].transfer_syntaxes.size(), 2u);
  EXPECT_EQ(got.contexts[1].transfer_syntaxes[1], kNdr20Syntax);
  ASSERT_TRUE(got.auth.has_value());
  EXPECT_EQ(got.auth->auth_context_id, 77u);
  EXPECT_EQ(got.auth->auth_value, bytes_of({9, 8, 7, 6}));
}

TEST(BindCodec, AlterContextSharesTheBindLayout) {
  BindPdu b = make_bind();
  b.header.type = PType::kAlterContext;
  auto decoded = decode_pdu(encode_bind(b), Limits{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<BindPdu>(*decoded).header.type, PType::kAlterContext);
}

TEST(BindDecoder, RejectsContextListLongerThanPdu) {
  auto bytes = encode_bind(make_bind());
  bytes[24] = std::byte{5};  // n_context_elem claims 5, only 1 present
  EXPECT_EQ(decode_pdu(bytes, Limits{}).error(), DecodeError::kBadCount);
}

TEST(BindDecoder, RejectsMoreContextsThanTheLimit) {
  BindPdu b = make_bind();
  for (std::uint16_t i = 1; i < 5; ++i) b.contexts.push_back({i, kTestInterface, {kNdr20Syntax}});
  Limits limits;
  limits.max_contexts_per_bind = 4;
  EXPECT_EQ(decode_pdu(encode_bind(b), limits).error(), DecodeError::kCountOverLimit);
}

TEST(BindDecoder, RejectsAContextWithoutTransferSyntaxes) {
  auto bytes = encode_bind(make_bind());
  bytes[30] = std::byte{0};  // n_transfer_syn of the first element
  EXPECT_EQ(decode_pdu(bytes, Limits{}).error(), DecodeError::kBadField);
}

TEST(BindDecoder, RejectsBytesAfterTheContextList) {
  auto bytes = encode_bind(make_bind());
  bytes.push_back(std::byte{0});
  bytes[8] = std::byte{static_cast<std::uint8_t>(bytes.size())};
  EXPECT_EQ(decode_pdu(bytes, Limits{}).error(), DecodeError::kTrailingBytes);
}

TEST(BindDecoder, IgnoresBytesBetweenTheContextListAndAVerifier) {
  // impacket's SPNEGO alter_context repeats its context element before the sec_trailer (Windows
  // ignores it); the verifier is still found by auth_length and read whole.
  BindPdu b = make_bind();
  b.header.type = PType::kAlterContext;
  b.auth = AuthVerifier{kAuthTypeGuiseLocal, 6, 0, 0, 77, bytes_of({9, 8, 7, 6})};
  auto bytes = encode_bind(b);
  const auto trailer = static_cast<std::ptrdiff_t>(bytes.size() - 4 - 8);
  bytes.insert(bytes.begin() + trailer, 44, std::byte{0x5a});
  bytes[8] = std::byte{static_cast<std::uint8_t>(bytes.size())};
  bytes[9] = std::byte{static_cast<std::uint8_t>(bytes.size() >> 8)};
  auto decoded = decode_pdu(bytes, Limits{});
  ASSERT_TRUE(decoded.ok()) << decode_error_name(decoded.error());
  const auto& got = std::get<BindPdu>(*decoded);
  ASSERT_EQ(got.contexts.size(), 1u);
  ASSERT_TRUE(got.auth.has_value());
  EXPECT_EQ(got.auth->auth_context_id, 77u);
  EXPECT_EQ(got.auth->auth_value, bytes_of({9, 8, 7, 6}));
}

TEST(BindAckCodec, RoundTripsSecondaryAddressAndResults) {
  BindAckPdu a;
  a.header.type = PType::kBindAck;
  a.header.flags = kPfcFirstFrag | kPfcLastFrag;
  a.max_xmit_frag = 4280;
  a.max_recv_frag = 4280;
  a.assoc_group_id = 0x1234;
  a.secondary_address = "4135";
  a.results.push_back({ContextResult::kAcceptance, 0, kNdr20Syntax});
  a.results.push_back({ContextResult::kNegotiateAck, 3, {}});
  auto decoded = decode_pdu(encode_bind_ack(a), Limits{});
  ASSERT_TRUE(decoded.ok()) << decode_error_name(decoded.error());
  const auto& got = std::get<BindAckPdu>(*decoded);
  EXPECT_EQ(got.secondary_address, "4135");
  EXPECT_EQ(got.assoc_group_id, 0x1234u);
  ASSERT_EQ(got.results.size(), 2u);
  EXPECT_EQ(got.results[0].transfer_syntax, kNdr20Syntax);
  EXPECT_EQ(got.results[1].result, ContextResult::kNegotiateAck);
  EXPECT_EQ(got.results[1].reason, 3);
}

TEST(BindAckDecoder, RejectsSecondaryAddressWithoutNul) {
  BindAckPdu a;
  a.header.type = PType::kBindAck;
  a.secondary_address = "abc";
  auto bytes = encode_bind_ack(a);
  bytes[29] = std::byte{'x'};  // the NUL of "abc\0": 24 + 2 + 3
  EXPECT_EQ(decode_pdu(bytes, Limits{}).error(), DecodeError::kBadField);
}

TEST(BindNakCodec, RoundTripsReasonAndVersions) {
  BindNakPdu n;
  n.reason = static_cast<std::uint16_t>(BindNakReason::kAuthenticationTypeNotRecognized);
  n.versions.push_back({5, 0});
  auto decoded = decode_pdu(encode_bind_nak(n), Limits{});
  ASSERT_TRUE(decoded.ok());
  const auto& got = std::get<BindNakPdu>(*decoded);
  EXPECT_EQ(got.reason, 8);
  ASSERT_EQ(got.versions.size(), 1u);
  EXPECT_EQ(got.versions[0][0], 5);
}

}  // namespace
}  // namespace guise::rpc
