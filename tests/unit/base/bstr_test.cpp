#include <gtest/gtest.h>

#include <cstring>

#include "guise/objbase.h"

namespace {

TEST(SysAllocString, StoresByteLengthBeforeTextAndNulAfter) {
  BSTR s = SysAllocString(u"hello");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(SysStringLen(s), 5u);
  EXPECT_EQ(SysStringByteLen(s), 10u);
  std::uint32_t prefix = 0;
  std::memcpy(&prefix, reinterpret_cast<const char*>(s) - 4, 4);
  EXPECT_EQ(prefix, 10u);
  EXPECT_EQ(s[5], u'\0');
  SysFreeString(s);
}

TEST(SysAllocStringLen, KeepsEmbeddedNuls) {
  const OLECHAR text[] = {u'a', 0, u'b'};
  BSTR s = SysAllocStringLen(text, 3);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(SysStringLen(s), 3u);
  EXPECT_EQ(s[2], u'b');
  SysFreeString(s);
}

TEST(SysStringLen, NullIsEmpty) {
  EXPECT_EQ(SysStringLen(nullptr), 0u);
  EXPECT_EQ(SysAllocString(nullptr), nullptr);
  SysFreeString(nullptr);
}

TEST(SysReAllocString, ReplacesContent) {
  BSTR s = SysAllocString(u"one");
  ASSERT_TRUE(SysReAllocString(&s, u"three"));
  EXPECT_EQ(SysStringLen(s), 5u);
  SysFreeString(s);
}

TEST(SysAllocStringByteLen, HoldsOddByteCounts) {
  BSTR s = SysAllocStringByteLen("abc", 3);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(SysStringByteLen(s), 3u);
  EXPECT_EQ(SysStringLen(s), 1u);
  SysFreeString(s);
}

}  // namespace
