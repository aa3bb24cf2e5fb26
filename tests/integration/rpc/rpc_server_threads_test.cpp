// Every thread the runtime creates starts at the process identity, whatever the creating thread
// carries: a server started from an impersonating thread serves as the process, not as that caller.
#include <gtest/gtest.h>

#include <cerrno>

#include "identity/impersonation.h"
#include "integration/rpc/probe_interface.h"
#include "integration/rpc/rpc_fixture.h"
#include "rpc/server.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::rpc::testing {
namespace {

constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;
constexpr int kConnect = 2;
constexpr int kImpersonate = 3;

TEST(RpcServerThreadsTest, AServerStartedByAnImpersonatingThreadServesAtTheProcessIdentity) {
  GUISE_REQUIRE_ROOT();
  guise::testing::PrivateFiles files;
  const std::string bob_file = files.add("bob", kBob, kBob, 0600);
  Server server;
  ASSERT_TRUE(server.register_interface(probe_interface()).ok());
  auto bound = server.listen("ncalrpc:[@guise-rpc-threads-" + std::to_string(::getpid()) + "]");
  ASSERT_TRUE(bound.ok());
  {
    auto as_alice = identity::impersonate(
        identity::Token::for_ids(kAlice, kAlice, {kAlice}, identity::ImpersonationLevel::kImpersonate));
    ASSERT_TRUE(as_alice.ok());
    ASSERT_TRUE(server.start().ok());  // the pool threads are created by a thread carrying alice
  }
  // No thread of this process carries alice: not this one (reverted), not the server's.
  EXPECT_EQ(threads_not_at_process_identity(), std::vector<std::string>{});
  for (int i = 0; i < 8; ++i) {  // whichever pool thread takes the call
    auto status = parse_fields(call_as(kBob, *bound, kConnect, kImpersonate, kThreadStatus).output);
    EXPECT_EQ(status["Uid"], "0 0 0 0");
    auto opened = parse_fields(call_as(kBob, *bound, kConnect, kImpersonate, kOpenAs, {bob_file}).output);
    EXPECT_EQ(opened["Uid"], "0 41002 0 41002");
    EXPECT_EQ(opened["open"], "0");
  }
  server.stop();
}

}  // namespace
}  // namespace guise::rpc::testing
