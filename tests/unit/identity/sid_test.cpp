#include <gtest/gtest.h>

#include "identity/sid.h"

namespace guise::identity {
namespace {

TEST(Sid, ParsesAndFormatsWellKnownAndUnixSids) {
  EXPECT_EQ(Sid::parse("S-1-5-32-544"), well_known::kBuiltinAdministrators());
  EXPECT_EQ(well_known::kEveryone().to_string(), "S-1-1-0");
  EXPECT_EQ(Sid::unix_user(41001).to_string(), "S-1-22-1-41001");
  EXPECT_EQ(Sid::unix_group(41002).to_string(), "S-1-22-2-41002");
  EXPECT_EQ(Sid::unix_user(41001).as_unix_uid(), 41001u);
  EXPECT_FALSE(Sid::unix_user(41001).as_unix_gid().has_value());
}

TEST(Sid, RejectsMalformedText) {
  for (const char* bad : {"", "S", "S-", "S-1", "S-1-5", "S-2-5-18", "S-1-x-18", "S-1-5-", "S-1-5--1",
                          "S-1-5-18-", "X-1-5-18", "S-1-5-4294967296", "S-1-281474976710656-1",
                          "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"}) {
    EXPECT_FALSE(Sid::parse(bad).has_value()) << bad;
  }
}

TEST(Sid, HexAuthorityRoundTrips) {
  auto sid = Sid::parse("S-1-0x123456789ABC-1");
  ASSERT_TRUE(sid.has_value());
  EXPECT_EQ(sid->authority(), 0x123456789ABCull);
  EXPECT_EQ(Sid::parse(sid->to_string()), sid);
}

}  // namespace
}  // namespace guise::identity
