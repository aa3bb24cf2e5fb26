#include "ndr/reader.h"

#include <gtest/gtest.h>

#include "ndr/data_representation.h"
#include "ndr/primitives.h"
#include "unit/ndr/hex.h"

namespace guise::ndr {
namespace {

using testing::from_hex;

TEST(NdrReader, ReadsLittleEndianPrimitivesWithAlignment) {
  // u8 0x01, pad to 2, u16 0x0302, u32 0x07060504, pad to 8, u64.
  auto bytes = from_hex("01 aa 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f");
  Reader r(bytes);
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t c = 0;
  std::uint64_t d = 0;
  ASSERT_TRUE(get(r, a).ok());
  ASSERT_TRUE(get(r, b).ok());
  ASSERT_TRUE(get(r, c).ok());
  ASSERT_TRUE(get(r, d).ok());
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0302);
  EXPECT_EQ(c, 0x07060504u);
  EXPECT_EQ(d, 0x0f0e0d0c0b0a0908ull);
  EXPECT_TRUE(r.expect_end().ok());
}

TEST(NdrReader, NeverExaminesPadBytes) {
  auto bytes = from_hex("01 bb bb bb 2a 00 00 00");
  Reader r(bytes);
  std::uint8_t a = 0;
  std::uint32_t b = 0;
  ASSERT_TRUE(get(r, a).ok());
  ASSERT_TRUE(get(r, b).ok());
  EXPECT_EQ(b, 42u);
}

TEST(NdrReader, ConvertsBigEndianIntegers) {
  auto bytes = from_hex("00 00 01 02 01 02");
  Reader r(bytes, Limits{}, ByteOrder::kBigEndian);
  std::uint32_t a = 0;
  std::uint16_t b = 0;
  ASSERT_TRUE(get(r, a).ok());
  ASSERT_TRUE(get(r, b).ok());
  EXPECT_EQ(a, 0x0102u);
  EXPECT_EQ(b, 0x0102u);
}

TEST(NdrReader, TruncatedReadIsTruncatedError) {
  auto bytes = from_hex("01 02 03");
  Reader r(bytes);
  std::uint32_t v = 0;
  Status s = get(r, v);
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput);
  EXPECT_EQ(s.hresult(), kHresultBadStubData);
  EXPECT_EQ(r.error(), DecodeError::kTruncated);
}

TEST(NdrReader, AlignmentGapPastEndIsTruncated) {
  auto bytes = from_hex("01 02");
  Reader r(bytes);
  std::uint8_t a = 0;
  ASSERT_TRUE(get(r, a).ok());
  EXPECT_FALSE(r.align(8).ok());
  EXPECT_EQ(r.error(), DecodeError::kTruncated);
}

TEST(NdrReader, RejectsConformanceLargerThanRemainingBeforeAllocating) {
  // max_count 0x40000000 elements of 4 bytes: 4 GiB claimed, 4 bytes present.
  auto bytes = from_hex("00 00 00 40 01 02 03 04");
  Reader r(bytes);
  std::uint32_t max_count = 0;
  EXPECT_FALSE(r.read_conformance(max_count, 4).ok());
  EXPECT_EQ(r.error(), DecodeError::kCountTooLarge);
}

TEST(NdrReader, RejectsAConformanceUnderTheElementLimitThatReachesPastTheBody) {
  // max_count 1000 elements of 4 bytes — far under Limits::max_elements — but only 4 bytes follow:
  // refused by the bytes left, before any caller sizes an allocation from it.
  auto bytes = from_hex("e8 03 00 00 01 02 03 04");
  Reader r(bytes);
  std::uint32_t max_count = 0;
  EXPECT_FALSE(r.read_conformance(max_count, 4).ok());
  EXPECT_EQ(r.error(), DecodeError::kCountTooLarge);
  // One element that fits is fine.
  auto fits = from_hex("01 00 00 00 01 02 03 04");
  Reader ok(fits);
  ASSERT_TRUE(ok.read_conformance(max_count, 4).ok());
  EXPECT_EQ(max_count, 1u);
}

TEST(NdrReader, RejectsCountMultiplyOverflow) {
  auto bytes = from_hex("00");
  Reader r(bytes, Limits{.max_depth = 4, .max_allocation = 1u << 20, .max_elements = 0xFFFFFFFFu});
  EXPECT_FALSE(r.require_array(0xFFFFFFFFull, SIZE_MAX / 2).ok());
  EXPECT_EQ(r.error(), DecodeError::kCountTooLarge);
}

TEST(NdrReader, RejectsVarianceOutsideConformance) {
  // offset 2 + actual 3 > max 4.
  auto bytes = from_hex("02 00 00 00 03 00 00 00 00 00 00 00");
  Reader r(bytes);
  std::uint32_t offset = 0, actual = 0;
  EXPECT_FALSE(r.read_variance(4, 1, offset, actual).ok());
  EXPECT_EQ(r.error(), DecodeError::kVaryingOutOfBounds);
}

TEST(NdrReader, RejectsNestingDeeperThanLimit) {
  auto bytes = from_hex("00");
  Reader r(bytes, Limits{.max_depth = 2});
  ASSERT_TRUE(r.enter().ok());
  ASSERT_TRUE(r.enter().ok());
  EXPECT_FALSE(r.enter().ok());
  EXPECT_EQ(r.error(), DecodeError::kTooDeep);
}

TEST(NdrReader, ChargesAllocationsAgainstLimit) {
  auto bytes = from_hex("00");
  Reader r(bytes, Limits{.max_allocation = 100});
  EXPECT_TRUE(r.charge_allocation(60).ok());
  EXPECT_FALSE(r.charge_allocation(41).ok());
  EXPECT_EQ(r.error(), DecodeError::kAllocationLimit);
}

TEST(NdrReader, LeftoverBytesAreTrailingBytesError) {
  auto bytes = from_hex("01 02");
  Reader r(bytes);
  std::uint8_t a = 0;
  ASSERT_TRUE(get(r, a).ok());
  EXPECT_FALSE(r.expect_end().ok());
  EXPECT_EQ(r.error(), DecodeError::kTrailingBytes);
}

TEST(NdrReader, SixteenBitEnumAboveMaxIsBadEnumValue) {
  auto bytes = from_hex("00 80");
  Reader r(bytes);
  int value = 0;
  EXPECT_FALSE(get_enum16(r, value).ok());
  EXPECT_EQ(r.error(), DecodeError::kBadEnumValue);
}

TEST(NdrDataRepresentation, AcceptsLittleAndBigEndianIeeeAscii) {
  EXPECT_EQ(*byte_order_from_drep({0x10, 0, 0, 0}), ByteOrder::kLittleEndian);
  EXPECT_EQ(*byte_order_from_drep({0x00, 0, 0, 0}), ByteOrder::kBigEndian);
}

TEST(NdrDataRepresentation, RefusesEbcdicAndVaxFloats) {
  EXPECT_EQ(byte_order_from_drep({0x11, 0, 0, 0}).status().hresult(), kHresultBadStubData);
  EXPECT_EQ(byte_order_from_drep({0x10, 1, 0, 0}).status().hresult(), kHresultBadStubData);
}

}  // namespace
}  // namespace guise::ndr
