#include <gtest/gtest.h>

#include <array>

#include "rpc/pdu.h"
#include "unit/rpc/pdu_vectors.h"

namespace guise::rpc {
namespace {

using testing::bytes_of;
using testing::make_request;

TEST(RequestCodec, RoundTripsStubOpnumAndObjectUuid) {
  auto stub = bytes_of({1, 2, 3, 4, 5});
  RequestPdu r = make_request(stub, 42, 7, 3);
  r.object = testing::kTestInterface.uuid;
  auto bytes = encode_request(r);
  auto decoded = decode_pdu(bytes, Limits{});
  ASSERT_TRUE(decoded.ok()) << decode_error_name(decoded.error());
  const auto& got = std::get<RequestPdu>(*decoded);
  EXPECT_TRUE(got.header.has_flag(kPfcObjectUuid));
  EXPECT_EQ(got.opnum, 7);
  EXPECT_EQ(got.context_id, 3);
  ASSERT_TRUE(got.object.has_value());
  EXPECT_EQ(*got.object, testing::kTestInterface.uuid);
  EXPECT_EQ(std::vector<std::byte>(got.stub.begin(), got.stub.end()), stub);
}

TEST(RequestCodec, StubIsAViewIntoTheFragment) {
  auto stub = bytes_of({9, 9});
  auto bytes = encode_request(make_request(stub));
  auto decoded = decode_pdu(bytes, Limits{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<RequestPdu>(*decoded).stub.data(), bytes.data() + kRequestHeaderSize);
}

TEST(RequestCodec, VerifierAndPaddingAreNotPartOfTheStub) {
  auto stub = bytes_of({1, 2, 3});
  RequestPdu r = make_request(stub);
  r.auth = AuthVerifier{kAuthTypeGuiseLocal, 4, 0, 0, 1, bytes_of({0xaa, 0xbb})};
  auto decoded = decode_pdu(encode_request(r), Limits{});
  ASSERT_TRUE(decoded.ok());
  const auto& got = std::get<RequestPdu>(*decoded);
  EXPECT_EQ(got.stub.size(), 3u);
  ASSERT_TRUE(got.auth.has_value());
  EXPECT_EQ(got.auth->auth_pad_length, 1);  // 24 + 3 → 28
  EXPECT_EQ(got.auth->auth_value, bytes_of({0xaa, 0xbb}));
}

TEST(RequestDecoder, RejectsObjectFlagWithoutRoomForTheUuid) {
  auto bytes = encode_request(make_request({}));
  bytes[3] = std::byte{0x83};
  EXPECT_EQ(decode_pdu(bytes, Limits{}).error(), DecodeError::kTruncated);
}

TEST(ResponseCodec, RoundTripsStub) {
  auto stub = bytes_of({4, 3, 2, 1});
  ResponsePdu p;
  p.header.call_id = 3;
  p.header.flags = kPfcFirstFrag | kPfcLastFrag;
  p.stub = stub;
  auto bytes = encode_response(p);  // the decoded stub is a view into these bytes
  auto decoded = decode_pdu(bytes, Limits{});
  ASSERT_TRUE(decoded.ok());
  const auto& got = std::get<ResponsePdu>(*decoded);
  EXPECT_EQ(std::vector<std::byte>(got.stub.begin(), got.stub.end()), stub);
}

TEST(FaultCodec, RoundTripsStatus) {
  FaultPdu f;
  f.header.call_id = 8;
  f.header.flags = kPfcFirstFrag | kPfcLastFrag | kPfcDidNotExecute;
  f.status = 0x1c010003;
  auto decoded = decode_pdu(encode_fault(f), Limits{});
  ASSERT_TRUE(decoded.ok());
  const auto& got = std::get<FaultPdu>(*decoded);
  EXPECT_EQ(got.status, 0x1c010003u);
  EXPECT_TRUE(got.header.has_flag(kPfcDidNotExecute));
}

TEST(FaultDecoder, RejectsTruncatedBody) {
  FaultPdu f;
  auto bytes = encode_fault(f);
  bytes.resize(28);
  bytes[8] = std::byte{28};
  EXPECT_EQ(decode_pdu(bytes, Limits{}).error(), DecodeError::kTruncated);
}

TEST(CallFragmentHeader, MatchesTheFullEncoder) {
  auto stub = bytes_of({1, 2, 3, 4});
  RequestPdu r = make_request(stub, 11, 2, 1);
  r.object = testing::kTestInterface.uuid;
  auto full = encode_request(r);
  std::array<std::byte, kMaxCallHeaderSize> header{};
  CallFragmentHeader h;
  h.type = PType::kRequest;
  h.flags = kPfcFirstFrag | kPfcLastFrag;
  h.call_id = 11;
  h.frag_length = static_cast<std::uint16_t>(full.size());
  h.alloc_hint = 4;
  h.context_id = 1;
  h.opnum = 2;
  h.object = r.object;
  std::size_t n = write_call_fragment_header(h, header);
  ASSERT_EQ(n, 40u);
  EXPECT_TRUE(std::equal(header.begin(), header.begin() + 40, full.begin()));
}

}  // namespace
}  // namespace guise::rpc
