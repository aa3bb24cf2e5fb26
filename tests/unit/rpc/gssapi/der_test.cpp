#include "rpc/gssapi/der.h"

#include <gtest/gtest.h>

namespace guise::rpc::der {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(std::byte{static_cast<std::uint8_t>(b)});
  return out;
}

TEST(DerReader, ReadsShortAndLongLengths) {
  std::vector<std::byte> long_content(300, std::byte{7});
  std::vector<std::byte> in = element(kOctetString, bytes({1, 2}));
  append(in, kSequence, long_content);
  EXPECT_EQ(in[4], std::byte{0x30});
  EXPECT_EQ(in[5], std::byte{0x82});  // two length octets: 0x012c
  Reader r(in);
  auto a = r.next();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->tag, kOctetString);
  EXPECT_EQ(a->content.size(), 2u);
  EXPECT_EQ(a->encoded.size(), 4u);
  auto b = r.expect(kSequence);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->content.size(), 300u);
  EXPECT_TRUE(r.at_end());
}

TEST(DerReader, RefusesContentPastTheEnd) {
  auto in = bytes({0x04, 0x05, 1, 2, 3});
  EXPECT_EQ(Reader(in).next().error(), DecodeError::kTruncated);
  auto long_form = bytes({0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 1});
  EXPECT_EQ(Reader(long_form).next().error(), DecodeError::kTruncated);
  auto no_length = bytes({0x04});
  EXPECT_EQ(Reader(no_length).next().error(), DecodeError::kTruncated);
  auto short_length = bytes({0x04, 0x82, 0x01});
  EXPECT_EQ(Reader(short_length).next().error(), DecodeError::kTruncated);
}

TEST(DerReader, RefusesIndefiniteLengthsHighTagsAndOverlongLengths) {
  auto indefinite = bytes({0x30, 0x80, 0x00, 0x00});
  EXPECT_EQ(Reader(indefinite).next().error(), DecodeError::kBadField);
  auto high_tag = bytes({0x1f, 0x81, 0x01, 0x00});
  EXPECT_EQ(Reader(high_tag).next().error(), DecodeError::kBadField);
  auto five_octets = bytes({0x04, 0x85, 0, 0, 0, 0, 1, 9});
  EXPECT_EQ(Reader(five_octets).next().error(), DecodeError::kBadField);
}

TEST(DerReader, ExpectAndOptionalLeaveOtherTagsUnread) {
  auto in = bytes({0xa1, 0x00, 0xa2, 0x01, 0x05});
  Reader r(in);
  EXPECT_EQ(r.expect(context(0)).error(), DecodeError::kBadField);
  auto none = r.optional(context(0));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto one = r.optional(context(1));
  ASSERT_TRUE(one.ok() && one->has_value());
  auto two = r.expect(context(2));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->content[0], std::byte{5});
  EXPECT_TRUE(r.at_end());
}

TEST(DerOnly, RefusesTrailingBytes) {
  auto in = bytes({0x04, 0x01, 0x07, 0x00});
  EXPECT_EQ(only(in, kOctetString).error(), DecodeError::kTrailingBytes);
  EXPECT_EQ(only(std::span(in).first(3), kOid).error(), DecodeError::kBadField);
  EXPECT_TRUE(only(std::span(in).first(3), kOctetString).ok());
}

}  // namespace
}  // namespace guise::rpc::der
