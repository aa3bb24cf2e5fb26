#include <gtest/gtest.h>

#include "rpc/string_binding.h"

namespace guise::rpc {
namespace {

TEST(StringBinding, ParsesNcalrpcPathsAndAbstractNames) {
  auto b = StringBinding::parse("ncalrpc:[/run/guise/example]");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->protseq, Protseq::kNcalrpc);
  EXPECT_EQ(b->endpoint, "/run/guise/example");
  EXPECT_EQ(b->to_string(), "ncalrpc:[/run/guise/example]");
  auto a = StringBinding::parse("ncalrpc:[@guise,with,commas]");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->endpoint, "@guise,with,commas");
}

TEST(StringBinding, ParsesTcpWithObjectUuidAndOptions) {
  auto b = StringBinding::parse("00000000-0000-0000-c000-000000000046@ncacn_ip_tcp:127.0.0.1[4135,Security=x]");
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(b->protseq, Protseq::kNcacnIpTcp);
  EXPECT_EQ(b->network_address, "127.0.0.1");
  EXPECT_EQ(b->endpoint, "4135");
  ASSERT_TRUE(b->object.has_value());
  EXPECT_EQ(b->object->Data4[0], 0xc0);
}

TEST(StringBinding, RejectsWhatItCannotServe) {
  EXPECT_FALSE(StringBinding::parse("ncacn_np:host[\\pipe\\x]").ok());
  EXPECT_FALSE(StringBinding::parse("ncalrpc:[relative]").ok());
  EXPECT_FALSE(StringBinding::parse("ncalrpc:host[/x]").ok());
  EXPECT_FALSE(StringBinding::parse("ncacn_ip_tcp:127.0.0.1[http]").ok());
  EXPECT_FALSE(StringBinding::parse("ncacn_ip_tcp:127.0.0.1[70000]").ok());
  EXPECT_FALSE(StringBinding::parse("ncacn_ip_tcp:127.0.0.1").ok());
  EXPECT_FALSE(StringBinding::parse("nonsense").ok());
  EXPECT_FALSE(StringBinding::parse("zz@ncalrpc:[/x]").ok());
}

}  // namespace
}  // namespace guise::rpc
