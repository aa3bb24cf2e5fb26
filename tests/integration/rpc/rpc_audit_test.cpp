// The impersonation audit on a plain RPC server (no COM): the hook is in rpc::ServerCall, so a server
// that never heard of COM records impersonations and automatic reverts too — switched on through the
// C++ API (guise::set_audit_level, guise-rpc-test-server --audit), read from the server's stderr.
#include <gtest/gtest.h>

#include "integration/rpc/probe_interface.h"
#include "integration/rpc/rpc_fixture.h"
#include "integration/rpc/server_process.h"
#include "support/proc_status.h"

namespace guise::rpc::testing {
namespace {

constexpr uid_t kAlice = 41001;

TEST(RpcAudit, APlainRpcServerRecordsTheImpersonationAndTheAutomaticRevert) {
  if (!guise::testing::running_as_root()) GTEST_SKIP() << "needs root to switch uids";
  ServerProcess server({"--audit", "impersonation"});
  ASSERT_TRUE(server.ready()) << server.log();
  // CONNECT, IMPERSONATE; the handler impersonates and returns without reverting.
  auto r = parse_fields(call_as(kAlice, server.local(), 2, 3, kImpersonateAndForget).output);
  ASSERT_EQ(r["hresult"], "0x00000000");
  EXPECT_EQ(r["Uid"], "0 41001 0 41001");
  // Written on the serving thread before the reply left.
  EXPECT_EQ(server.log_lines_with("audit: GUISE_EVENT=impersonate GUISE_PID=" + std::to_string(server.pid())), 1)
      << server.log();
  EXPECT_EQ(server.log_lines_with("audit: GUISE_EVENT=auto_revert GUISE_PID=" + std::to_string(server.pid())), 1)
      << server.log();
  EXPECT_EQ(server.log_lines_with("GUISE_CALLER_UID=41001 GUISE_CALLER_GID=41001"), 2) << server.log();
  EXPECT_EQ(server.log_lines_with("GUISE_LEVEL=impersonate GUISE_EUID=41001 GUISE_EGID=41001"), 2) << server.log();
  EXPECT_EQ(server.log_lines_with("GUISE_OPNUM=3 "), 2) << server.log();
  EXPECT_EQ(server.log_lines_with("GUISE_CAUSALITY"), 0) << "no COM, no causality id: " << server.log();
  // A call that never impersonates leaves no record.
  auto who = parse_fields(call_as(kAlice, server.local(), 2, 3, kWhoAmI).output);
  ASSERT_EQ(who["hresult"], "0x00000000");
  EXPECT_EQ(server.log_lines_with("audit: "), 2) << server.log();
}

}  // namespace
}  // namespace guise::rpc::testing
