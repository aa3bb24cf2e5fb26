#include "ndr/bstr.h"

#include <gtest/gtest.h>

#include "guise/oleauto.h"
#include "unit/ndr/hex.h"

namespace guise::ndr {
namespace {

using testing::from_hex;
using testing::to_hex;

TEST(NdrBstr, IsUniquePointerToFlaggedWordBlob) {
  BSTR s = SysAllocString(u"ab");
  Writer w;
  put_bstr_flat(w, s);
  put_bstr_deferred(w, s);
  // referent id | max_count 2 | cBytes 4 | clSize 2 | 'a' 'b'
  EXPECT_EQ(to_hex(w.bytes()), "00 00 02 00 02 00 00 00 04 00 00 00 02 00 00 00 61 00 62 00");
  SysFreeString(s);
}

TEST(NdrBstr, NullBstrHasAllOnesByteCount) {
  Writer w;
  put_bstr_flat(w, nullptr);
  put_bstr_deferred(w, nullptr);
  EXPECT_EQ(to_hex(w.bytes()), "00 00 02 00 00 00 00 00 ff ff ff ff 00 00 00 00");
  Reader r(w.bytes());
  BSTR out = nullptr;
  ASSERT_TRUE(get_bstr_flat(r, out).ok());
  ASSERT_TRUE(get_bstr_deferred(r, out).ok());
  EXPECT_EQ(out, nullptr);
}

TEST(NdrBstr, OddByteLengthRoundTrips) {
  BSTR s = SysAllocStringByteLen("xyz", 3);
  Writer w;
  put_bstr_flat(w, s);
  put_bstr_deferred(w, s);
  Reader r(w.bytes());
  BSTR out = nullptr;
  ASSERT_TRUE(get_bstr_flat(r, out).ok());
  ASSERT_TRUE(get_bstr_deferred(r, out).ok());
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(SysStringByteLen(out), 3u);
  EXPECT_EQ(std::memcmp(out, "xyz", 3), 0);
  SysFreeString(out);
  SysFreeString(s);
}

// Found by ndr_reader_fuzz: clSize larger than cBytes needs made the decoder write past the string.
TEST(NdrBstr, RejectsUnitCountLargerThanByteCountNeeds) {
  auto bytes = from_hex("00 00 02 00 05 00 00 00 01 00 00 00 05 00 00 00 61 00 62 00 63 00 64 00 65 00");
  Reader r(bytes);
  BSTR out = nullptr;
  ASSERT_TRUE(get_bstr_flat(r, out).ok());
  EXPECT_FALSE(get_bstr_deferred(r, out).ok());
  EXPECT_EQ(r.error(), DecodeError::kConformanceMismatch);
  EXPECT_EQ(out, nullptr);
}

TEST(NdrBstr, RejectsByteCountLargerThanUnits) {
  auto bytes = from_hex("00 00 02 00 01 00 00 00 08 00 00 00 01 00 00 00 61 00");
  Reader r(bytes);
  BSTR out = nullptr;
  ASSERT_TRUE(get_bstr_flat(r, out).ok());
  EXPECT_FALSE(get_bstr_deferred(r, out).ok());
  EXPECT_EQ(r.error(), DecodeError::kConformanceMismatch);
  EXPECT_EQ(out, nullptr);
}

}  // namespace
}  // namespace guise::ndr
