// The client half of pinging starts for a process that only holds proxies (regression: such a process
// had no housekeeping thread running — it starts with the first export — so nothing pinged the OIDs
// it held and their exporters ran them down after the grace period; fixed in c964e98).
#include <gtest/gtest.h>

#include <memory>

#include "com/ping_client.h"
#include "com/remote_oxid.h"

namespace guise::com {
namespace {

std::shared_ptr<RemoteOxid> oxid_at(Oxid oxid, const char* resolver_endpoint) {
  rpc::StringBinding resolver;
  resolver.endpoint = resolver_endpoint;
  rpc::StringBinding binding;
  binding.endpoint = std::string(resolver_endpoint) + "-oxid";
  return std::make_shared<RemoteOxid>(oxid, binding, nullptr, Ipid{}, 0, resolver, nullptr, DualStringArray{});
}

TEST(PingClient, TheFirstOidHeldAtAResolverWakesTheHousekeeper) {
  int wakes = 0;
  PingClient pings(ComLimits{}, [&wakes] { ++wakes; });
  const auto a = oxid_at(1, "@resolver-a");
  pings.hold(a, 100);
  EXPECT_EQ(wakes, 1) << "a process that never exported anything must start pinging its first OID";
  pings.hold(a, 101);
  pings.hold(oxid_at(2, "@resolver-a"), 102);
  EXPECT_EQ(wakes, 1) << "later OIDs at the same resolver join the set the housekeeper already pings";
  pings.hold(oxid_at(3, "@resolver-b"), 200);
  EXPECT_EQ(wakes, 2) << "another resolver gets its own ping set";
  EXPECT_EQ(pings.held_oids(), 4u);
}

}  // namespace
}  // namespace guise::com
