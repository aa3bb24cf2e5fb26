#include <gtest/gtest.h>

#include "rpc/pdu.h"
#include "unit/rpc/pdu_vectors.h"

namespace guise::rpc {
namespace {

using testing::bytes_of;

std::vector<std::byte> header(int ptype, int frag_length, int auth_length = 0, int vers = 5, int minor = 0,
                              int drep0 = 0x10) {
  return bytes_of({vers, minor, ptype, 0x03, drep0, 0, 0, 0, frag_length & 0xff, frag_length >> 8,
                   auth_length & 0xff, auth_length >> 8, 7, 0, 0, 0});
}

TEST(PduHeader, DecodesTheFieldsOfAValidHeader) {
  auto h = decode_header(header(0, 24));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->type, PType::kRequest);
  EXPECT_EQ(h->frag_length, 24);
  EXPECT_EQ(h->call_id, 7u);
  EXPECT_TRUE(h->has_flag(kPfcFirstFrag));
  EXPECT_TRUE(h->has_flag(kPfcLastFrag));
}

TEST(PduHeader, RejectsTruncatedHeader) {
  auto bytes = header(0, 24);
  bytes.resize(15);
  EXPECT_EQ(decode_header(bytes).error(), DecodeError::kTruncated);
}

TEST(PduHeader, RejectsVersionOtherThanFive) {
  EXPECT_EQ(decode_header(header(0, 24, 0, 4)).error(), DecodeError::kBadVersion);
  EXPECT_EQ(decode_header(header(0, 24, 0, 5, 2)).error(), DecodeError::kBadVersion);
  EXPECT_TRUE(decode_header(header(0, 24, 0, 5, 1)).ok());
}

TEST(PduHeader, RejectsBigEndianDataRepresentation) {
  EXPECT_EQ(decode_header(header(0, 24, 0, 5, 0, 0x00)).error(), DecodeError::kUnsupportedDataRepresentation);
}

TEST(PduHeader, RejectsConnectionlessAndUnknownPacketTypes) {
  EXPECT_EQ(decode_header(header(1, 24)).error(), DecodeError::kUnknownPacketType);   // ping
  EXPECT_EQ(decode_header(header(20, 24)).error(), DecodeError::kUnknownPacketType);
  EXPECT_EQ(decode_header(header(255, 24)).error(), DecodeError::kUnknownPacketType);
}

TEST(PduHeader, RejectsFragLengthBelowHeaderSize) {
  EXPECT_EQ(decode_header(header(0, 15)).error(), DecodeError::kBadFragLength);
}

TEST(PduHeader, RejectsAuthLengthThatDoesNotFitWithItsTrailer) {
  EXPECT_EQ(decode_header(header(0, 40, 17)).error(), DecodeError::kBadAuthLength);
  EXPECT_TRUE(decode_header(header(0, 40, 16)).ok());
}

TEST(FrameLength, WaitsForACompleteHeader) {
  auto bytes = header(0, 24);
  auto n = frame_length(std::span(bytes).first(10), 5840);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST(FrameLength, RejectsFragLengthAboveWhatWeAnnounced) {
  EXPECT_EQ(frame_length(header(0, 0xffff), 5840).error(), DecodeError::kFragTooLarge);
}

TEST(DecodePdu, RejectsFragmentWhoseSizeDiffersFromFragLength) {
  auto bytes = header(17, 16);
  bytes.push_back(std::byte{0});
  EXPECT_EQ(decode_pdu(bytes, Limits{}).error(), DecodeError::kBadFragLength);
}

TEST(DecodePdu, RejectsAuthPaddingReachingIntoTheHeader) {
  // request, frag 40 = 16 header + 8 body + 8 trailer + 8 auth, with auth_pad_length 200
  auto bytes = header(0, 40, 8);
  auto body = bytes_of({0, 0, 0, 0, 0, 0, 0, 0, 10, 6, 200, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8});
  bytes.insert(bytes.end(), body.begin(), body.end());
  EXPECT_EQ(decode_pdu(bytes, Limits{}).error(), DecodeError::kBadAuthPadding);
}

TEST(DecodePdu, DecodesShutdownAndRejectsABodyOnIt) {
  auto ok = header(17, 16);
  ASSERT_TRUE(decode_pdu(ok, Limits{}).ok());
  EXPECT_TRUE(std::holds_alternative<ShutdownPdu>(*decode_pdu(ok, Limits{})));
  auto bad = header(17, 17);
  bad.push_back(std::byte{1});
  EXPECT_EQ(decode_pdu(bad, Limits{}).error(), DecodeError::kTrailingBytes);
}

TEST(DecodePdu, RoundTripsCancelOrphanedAndAuth3) {
  CancelPdu c;
  c.header.call_id = 9;
  auto cancel = decode_pdu(encode_cancel(c), Limits{});
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(std::get<CancelPdu>(*cancel).header.call_id, 9u);

  OrphanedPdu o;
  o.header.call_id = 10;
  auto orphaned = decode_pdu(encode_orphaned(o), Limits{});
  ASSERT_TRUE(orphaned.ok());
  EXPECT_EQ(std::get<OrphanedPdu>(*orphaned).header.type, PType::kOrphaned);

  Auth3Pdu a;
  a.auth.auth_type = kAuthTypeNtlm;
  a.auth.auth_level = 6;
  a.auth.auth_context_id = 3;
  a.auth.auth_value = bytes_of({1, 2, 3});
  auto auth3 = decode_pdu(encode_auth3(a), Limits{});
  ASSERT_TRUE(auth3.ok());
  const auto& got = std::get<Auth3Pdu>(*auth3);
  EXPECT_EQ(got.auth.auth_context_id, 3u);
  EXPECT_EQ(got.auth.auth_value, bytes_of({1, 2, 3}));
}

TEST(DecodePdu, RejectsAuth3WithoutVerifier) {
  auto bytes = header(16, 20);
  auto pad = bytes_of({0, 0, 0, 0});
  bytes.insert(bytes.end(), pad.begin(), pad.end());
  EXPECT_EQ(decode_pdu(bytes, Limits{}).error(), DecodeError::kBadAuthLength);
}

}  // namespace
}  // namespace guise::rpc
