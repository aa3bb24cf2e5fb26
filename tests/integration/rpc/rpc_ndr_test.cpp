// Generated NDR stubs (guise-midl) served and called through the RPC runtime: the full plain-RPC stack.
#include <gtest/gtest.h>

#include <unistd.h>

#include <numeric>

#include "guise/winerror.h"
#include "integration/rpc/rpc_fixture.h"
#include "rpc/ndr_interface.h"
#include "rpc_ndr_probe.h"

namespace guise::rpc::testing {
namespace {

class NdrProbe final : public IRpcNdrProbe_Server {
 public:
  error_status_t Add(handle_t, LONG a, LONG b, LONG* sum) override {
    *sum = a + b;
    return 0;
  }
  error_status_t Total(handle_t, ULONG n, LONG* values, LONG* total) override {
    *total = std::accumulate(values, values + n, 0);
    return 0;
  }
  error_status_t Caller(handle_t binding, ULONG* uid, ULONG* level) override {
    ServerCall* call = server_call_from(binding);
    if (call == nullptr || !call->attributes().caller) return 5;  // ERROR_ACCESS_DENIED
    *uid = call->attributes().caller->uid();
    *level = static_cast<ULONG>(call->attributes().authn_level);
    return 0;
  }
};

const InterfaceId kNdrProbe{IRpcNdrProbe_v1_0_s_ifspec.uuid, IRpcNdrProbe_v1_0_s_ifspec.version_major,
                            IRpcNdrProbe_v1_0_s_ifspec.version_minor};

class RpcNdrTest : public RpcServerTest {
 protected:
  void configure(Server& server) override {
    ASSERT_TRUE(server.register_interface(registration_for(IRpcNdrProbe_v1_0_s_ifspec, &probe_)).ok());
  }
  NdrProbe probe_;
};

TEST_F(RpcNdrTest, GeneratedClientAndServerStubsTalkThroughTheRuntime) {
  auto client = Client::create(local_, AuthInfo::local(AuthnLevel::kPktPrivacy, identity::ImpersonationLevel::kIdentify));
  ASSERT_TRUE(client.ok());
  IRpcNdrProbe_Client probe(call_fn_for(*client, kNdrProbe));
  LONG sum = 0;
  EXPECT_EQ(probe.Add(nullptr, 40, 2, &sum), 0u);
  EXPECT_EQ(sum, 42);
  std::vector<LONG> values(3000);  // 12 KB: several request fragments
  std::iota(values.begin(), values.end(), -1000);
  LONG total = 0;
  EXPECT_EQ(probe.Total(nullptr, static_cast<ULONG>(values.size()), values.data(), &total), 0u);
  EXPECT_EQ(total, std::accumulate(values.begin(), values.end(), 0));
  ULONG uid = 12345, level = 0;
  EXPECT_EQ(probe.Caller(nullptr, &uid, &level), 0u);
  EXPECT_EQ(uid, ::geteuid());  // from the kernel, through the call's handle_t
  EXPECT_EQ(level, 6u);
}

TEST_F(RpcNdrTest, BadStubDataForAGeneratedStubFaultsWithRpcXBadStubData) {
  auto client = Client::create(local_);
  ASSERT_TRUE(client.ok());
  std::vector<std::byte> truncated = {std::byte{1}, std::byte{0}};  // Add wants two longs
  auto out = client->call(kNdrProbe, 0, truncated);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(*out.status().hresult(), HRESULT_FROM_WIN32(1783));
}

}  // namespace
}  // namespace guise::rpc::testing
