// A local user's default credential cache name, from krb5.conf's default_ccache_name (R63).
#include <gtest/gtest.h>

#include "rpc/gssapi/user_credential_cache.h"

namespace guise::rpc::gssapi {
namespace {

TEST(UserCredentialCache, UnsetMeansMitsBuiltInDefault) {
  EXPECT_EQ(expand_cache_name("", 41001), "FILE:/tmp/krb5cc_41001");
}

TEST(UserCredentialCache, PerUserTokensTakeTheCallersUid) {
  EXPECT_EQ(expand_cache_name("FILE:/run/realm/krb5cc_%{uid}", 41001), "FILE:/run/realm/krb5cc_41001");
  EXPECT_EQ(expand_cache_name("KEYRING:persistent:%{euid}", 7), "KEYRING:persistent:7");
  EXPECT_EQ(expand_cache_name("DIR:/c/%{USERID}/x%{uid}", 5), "DIR:/c/5/x5");
  EXPECT_EQ(expand_cache_name("FILE:/fixed", 5), "FILE:/fixed");
}

TEST(UserCredentialCache, UnknownOrBrokenTokensAreNotGuessed) {
  EXPECT_EQ(expand_cache_name("FILE:/tmp/krb5cc_%{username}", 41001), std::nullopt);
  EXPECT_EQ(expand_cache_name("FILE:/tmp/krb5cc_%{uid", 41001), std::nullopt);
}

}  // namespace
}  // namespace guise::rpc::gssapi
