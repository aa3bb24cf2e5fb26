#include "ndr/strings.h"

#include <gtest/gtest.h>

#include "ndr/decoded_memory.h"
#include "unit/ndr/hex.h"

namespace guise::ndr {
namespace {

using testing::from_hex;
using testing::to_hex;

TEST(NdrStrings, WideStringIsConformantVaryingWithNul) {
  Writer w;
  put_string(w, u"hi");
  EXPECT_EQ(to_hex(w.bytes()), "03 00 00 00 00 00 00 00 03 00 00 00 68 00 69 00 00 00");
}

TEST(NdrStrings, NarrowStringRoundTrips) {
  Writer w;
  put_string(w, "abc");
  EXPECT_EQ(to_hex(w.bytes()), "04 00 00 00 00 00 00 00 04 00 00 00 61 62 63 00");
  Reader r(w.bytes());
  char* s = nullptr;
  ASSERT_TRUE(get_string(r, s).ok());
  EXPECT_STREQ(s, "abc");
  free_block(s);
}

TEST(NdrStrings, RejectsStringWithoutTerminator) {
  auto bytes = from_hex("02 00 00 00 00 00 00 00 02 00 00 00 68 00 69 00");
  Reader r(bytes);
  char16_t* s = nullptr;
  EXPECT_FALSE(get_string(r, s).ok());
  EXPECT_EQ(r.error(), DecodeError::kStringNotTerminated);
  EXPECT_EQ(s, nullptr);
}

TEST(NdrStrings, RejectsEmptyActualCount) {
  auto bytes = from_hex("01 00 00 00 00 00 00 00 00 00 00 00");
  Reader r(bytes);
  char16_t* s = nullptr;
  EXPECT_FALSE(get_string(r, s).ok());
  EXPECT_EQ(r.error(), DecodeError::kStringNotTerminated);
}

TEST(NdrStrings, RejectsActualCountPastBody) {
  auto bytes = from_hex("ff ff 00 00 00 00 00 00 ff ff 00 00 68 00");
  Reader r(bytes);
  char16_t* s = nullptr;
  EXPECT_FALSE(get_string(r, s).ok());
  EXPECT_EQ(r.error(), DecodeError::kCountTooLarge);
}

}  // namespace
}  // namespace guise::ndr
