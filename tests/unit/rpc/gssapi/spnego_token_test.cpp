#include "rpc/gssapi/spnego_token.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace guise::rpc::spnego {
namespace {

std::vector<std::byte> hex(std::string text) {
  std::erase(text, ' ');
  std::vector<std::byte> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(std::byte{static_cast<std::uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16))});
  }
  return out;
}

std::vector<std::byte> copy(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

// The shape impacket sends (written out by hand): a negTokenInit in GSS-API framing listing only
// Microsoft's Kerberos OID, whose mechToken is an AP-REQ in GSS-API framing under the standard
// Kerberos OID (here a stand-in AP-REQ: [APPLICATION 14] holding an empty SEQUENCE).
const std::string kImpacketShape =
    "60 32 06 06 2b 06 01 05 05 02"                       // InitialContextToken, SPNEGO OID
    " a0 28 30 26"                                        // negTokenInit SEQUENCE
    " a0 0d 30 0b 06 09 2a 86 48 82 f7 12 01 02 02"       // mechTypes: MS Kerberos
    " a2 15 04 13"                                        // mechToken
    " 60 11 06 09 2a 86 48 86 f7 12 01 02 02 01 00 6e 02 30 00";  // framed AP-REQ

TEST(SpnegoInit, ReadsTheImpacketShape) {
  auto token = hex(kImpacketShape);
  auto init = parse_init(token);
  ASSERT_TRUE(init.ok()) << decode_error_name(init.error());
  ASSERT_EQ(init->mech_types.size(), 1u);
  EXPECT_TRUE(std::ranges::equal(init->mech_types[0], kOidKerberosMicrosoft));
  EXPECT_TRUE(is_kerberos(init->mech_types[0]));
  EXPECT_EQ(copy(init->mech_types_der), hex("30 0b 06 09 2a 86 48 82 f7 12 01 02 02"));
  ASSERT_TRUE(init->mech_token.has_value());
  EXPECT_FALSE(init->mech_list_mic.has_value());
  auto ap_req = dce_style_ap_req(*init->mech_token);
  ASSERT_TRUE(ap_req.ok());
  EXPECT_EQ(copy(*ap_req), hex("6e 02 30 00"));
}

TEST(SpnegoInit, RoundTripsThroughTheEncoderAndSkipsReqFlags) {
  const std::span<const std::byte> mechs[] = {kOidNtlmssp, kOidKerberos};
  auto mic = hex("01 02 03");
  auto token = encode_init(mechs, hex("6e 02 30 00"), mic);
  auto init = parse_init(token);
  ASSERT_TRUE(init.ok());
  ASSERT_EQ(init->mech_types.size(), 2u);
  EXPECT_TRUE(std::ranges::equal(init->mech_types[0], kOidNtlmssp));
  EXPECT_FALSE(is_kerberos(init->mech_types[0]));
  EXPECT_TRUE(std::ranges::equal(init->mech_types[1], kOidKerberos));
  EXPECT_EQ(copy(*init->mech_list_mic), mic);
  // reqFlags [1] (a BIT STRING) may sit between mechTypes and mechToken; it is read and ignored.
  auto with_flags = hex(
      "60 29 06 06 2b 06 01 05 05 02 a0 1f 30 1d"
      " a0 0d 30 0b 06 09 2a 86 48 86 f7 12 01 02 02"
      " a1 04 03 02 07 80"
      " a2 06 04 04 6e 02 30 00");
  auto flagged = parse_init(with_flags);
  ASSERT_TRUE(flagged.ok()) << decode_error_name(flagged.error());
  EXPECT_EQ(copy(*flagged->mech_token), hex("6e 02 30 00"));
  with_flags[31] = std::byte{0x04};  // reqFlags holding an OCTET STRING
  EXPECT_EQ(parse_init(with_flags).error(), DecodeError::kBadField);
}

TEST(SpnegoInit, RefusesWhatIsNotANegTokenInit) {
  auto good = hex(kImpacketShape);
  auto no_framing = std::vector<std::byte>(good.begin() + 10, good.end());  // bare a0 ...
  EXPECT_FALSE(parse_init(no_framing).ok());
  auto wrong_oid = good;
  wrong_oid[9] = std::byte{0x03};  // 1.3.6.1.5.5.3
  EXPECT_EQ(parse_init(wrong_oid).error(), DecodeError::kBadField);
  auto trailing = good;
  trailing.push_back(std::byte{0});
  EXPECT_EQ(parse_init(trailing).error(), DecodeError::kTrailingBytes);
  auto truncated = std::vector<std::byte>(good.begin(), good.end() - 1);
  EXPECT_FALSE(parse_init(truncated).ok());
  // An empty mechanism list, and a list longer than kMaxMechTypes.
  EXPECT_EQ(parse_init(encode_init({}, {}, {})).error(), DecodeError::kBadCount);
  std::vector<std::span<const std::byte>> many(kMaxMechTypes + 1, kOidKerberos);
  EXPECT_EQ(parse_init(encode_init(many, {}, {})).error(), DecodeError::kBadCount);
  std::vector<std::span<const std::byte>> most(kMaxMechTypes, kOidKerberos);
  EXPECT_TRUE(parse_init(encode_init(most, {}, {})).ok());
}

TEST(SpnegoResp, RoundTripsEveryField) {
  auto token = hex("6f 01 00");
  auto mic = hex("aa bb");
  auto encoded = encode_resp({NegState::kAcceptIncomplete, kOidKerberosMicrosoft, token, mic});
  auto resp = parse_resp(encoded);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->neg_state, NegState::kAcceptIncomplete);
  EXPECT_TRUE(std::ranges::equal(*resp->supported_mech, kOidKerberosMicrosoft));
  EXPECT_EQ(copy(*resp->response_token), token);
  EXPECT_EQ(copy(*resp->mech_list_mic), mic);
  // accept-completed alone is the shortest reply: a1 07 30 05 a0 03 0a 01 00.
  EXPECT_EQ(encode_resp({NegState::kAcceptCompleted, {}, {}, {}}), hex("a1 07 30 05 a0 03 0a 01 00"));
}

TEST(SpnegoResp, ReadsImpacketsThirdLegAndRefusesBadStates) {
  // impacket's AP-REP leg: responseToken only, no negState.
  auto leg = hex("a1 0a 30 08 a2 06 04 04 6f 02 30 00");
  auto resp = parse_resp(leg);
  ASSERT_TRUE(resp.ok());
  EXPECT_FALSE(resp->neg_state.has_value());
  EXPECT_EQ(copy(*resp->response_token), hex("6f 02 30 00"));
  EXPECT_EQ(parse_resp(hex("a1 07 30 05 a0 03 0a 01 04")).error(), DecodeError::kBadField);   // negState 4
  EXPECT_EQ(parse_resp(hex("a1 08 30 06 a0 04 0a 02 00 00")).error(), DecodeError::kBadField);  // 2 octets
  EXPECT_EQ(parse_resp(hex("a1 04 30 02 a5 00")).error(), DecodeError::kTrailingBytes);         // unknown [5]
  EXPECT_FALSE(parse_resp(hex("a0 02 30 00")).ok());                                           // an init
}

TEST(KerberosFraming, UnframesOnlyAKerberosApReq) {
  auto raw = hex("6e 02 30 00");
  ASSERT_TRUE(dce_style_ap_req(raw).ok());
  EXPECT_EQ(dce_style_ap_req(raw)->size(), 4u);
  auto framed_ms = hex("60 11 06 09 2a 86 48 82 f7 12 01 02 02 01 00 6e 02 30 00");
  ASSERT_TRUE(dce_style_ap_req(framed_ms).ok());
  EXPECT_EQ(copy(*dce_style_ap_req(framed_ms)), raw);
  auto ap_rep_tok_id = hex("60 11 06 09 2a 86 48 86 f7 12 01 02 02 02 00 6e 02 30 00");
  EXPECT_EQ(dce_style_ap_req(ap_rep_tok_id).error(), DecodeError::kBadField);
  auto ntlm_oid = hex("60 12 06 0a 2b 06 01 04 01 82 37 02 02 0a 01 00 6e 02 30 00");
  EXPECT_EQ(dce_style_ap_req(ntlm_oid).error(), DecodeError::kBadField);
  auto trailing = hex("6e 02 30 00 00");
  EXPECT_EQ(dce_style_ap_req(trailing).error(), DecodeError::kTrailingBytes);
  EXPECT_FALSE(dce_style_ap_req({}).ok());
  EXPECT_FALSE(dce_style_ap_req(hex("4e 54 4c 4d")).ok());  // "NTLM"
}

}  // namespace
}  // namespace guise::rpc::spnego
