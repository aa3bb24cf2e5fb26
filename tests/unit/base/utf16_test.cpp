#include <gtest/gtest.h>

#include "base/utf16.h"

namespace {
TEST(Utf16, RoundTripsAsciiBmpAndSupplementary) {
  const std::string text = "Unix User\\al\xC3\xAF" "ce \xF0\x9F\x94\x91";
  const std::u16string wide = guise::utf8_to_utf16(text);
  EXPECT_EQ(wide.size(), 18u);  // 16 BMP characters + one surrogate pair
  EXPECT_EQ(guise::utf16_to_utf8(wide), text);
}

TEST(Utf16, ReplacesIllFormedInput) {
  EXPECT_EQ(guise::utf8_to_utf16("a\xFF" "b"), u"a\uFFFDb");
  EXPECT_EQ(guise::utf8_to_utf16("\xC0\x80"), u"\uFFFD\uFFFD");  // overlong NUL
  const char16_t lone[] = {0xD800, u'x', 0};
  EXPECT_EQ(guise::utf16_to_utf8(lone), "\xEF\xBF\xBDx");
}
}  // namespace
