// Callers as real uids, through real processes: what the server sees and what the kernel allows.
#include <gtest/gtest.h>

#include <grp.h>

#include <cerrno>

#include "guise/winerror.h"
#include "integration/rpc/rpc_fixture.h"
#include "rpc/client.h"
#include "rpc/local_security.h"
#include "support/child_process.h"
#include "support/proc_status.h"

namespace guise::rpc::testing {
namespace {

constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;
constexpr int kPktPrivacy = 6;
constexpr int kConnect = 2;
constexpr int kNone = 1;
constexpr int kAnonymous = 1;
constexpr int kIdentify = 2;
constexpr int kImpersonate = 3;

#define REQUIRE_ROOT() \
  if (!guise::testing::running_as_root()) GTEST_SKIP() << "needs root to switch uids"

using RpcIdentityTest = RpcServerTest;

TEST_F(RpcIdentityTest, CallersAsDifferentUidsSeeTheirOwnIdentityReported) {
  REQUIRE_ROOT();
  for (uid_t uid : {kAlice, kBob}) {
    auto r = call_as(uid, local_, kPktPrivacy, kImpersonate, kWhoAmI);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto f = parse_fields(r.output);
    EXPECT_EQ(f["hresult"], "0x00000000");
    EXPECT_EQ(f["uid"], std::to_string(uid));
    EXPECT_EQ(f["gid"], std::to_string(uid));
    EXPECT_EQ(f["attested"], "1");
    EXPECT_EQ(f["level"], "6");
    EXPECT_EQ(f["imp"], "3");
    EXPECT_EQ(f["service"], "10");  // RPC_C_AUTHN_WINNT (spec R10)
  }
}

TEST_F(RpcIdentityTest, ImpersonateLevelOpensOnlyTheCallersOwnFiles) {
  REQUIRE_ROOT();
  guise::testing::PrivateFiles files;
  const std::string alice_file = files.add("alice", kAlice, kAlice, 0600);
  const std::string bob_file = files.add("bob", kBob, kBob, 0600);
  const std::string root_file = files.add("root", 0, 0, 0600);

  auto mine = parse_fields(call_as(kAlice, local_, kConnect, kImpersonate, kOpenAs, {alice_file}).output);
  EXPECT_EQ(mine["impersonate"], "0x0");
  EXPECT_EQ(mine["Uid"], "0 41001 0 41001");  // real, effective, saved (the server's), fs
  EXPECT_EQ(mine["open"], "0");
  auto theirs = parse_fields(call_as(kAlice, local_, kConnect, kImpersonate, kOpenAs, {bob_file}).output);
  EXPECT_EQ(theirs["open"], std::to_string(EACCES));
  auto roots = parse_fields(call_as(kAlice, local_, kConnect, kImpersonate, kOpenAs, {root_file}).output);
  EXPECT_EQ(roots["open"], std::to_string(EACCES));
  auto bobs = parse_fields(call_as(kBob, local_, kConnect, kImpersonate, kOpenAs, {bob_file}).output);
  EXPECT_EQ(bobs["open"], "0");
  EXPECT_EQ(bobs["Uid"], "0 41002 0 41002");
}

TEST_F(RpcIdentityTest, IdentifyLevelReportsTheCallerButRefusesFileAccess) {
  REQUIRE_ROOT();
  guise::testing::PrivateFiles files;
  const std::string alice_file = files.add("alice", kAlice, kAlice, 0600);
  auto who = parse_fields(call_as(kAlice, local_, kPktPrivacy, kIdentify, kWhoAmI).output);
  EXPECT_EQ(who["uid"], "41001");
  EXPECT_EQ(who["imp"], "2");
  auto open = parse_fields(call_as(kAlice, local_, kPktPrivacy, kIdentify, kOpenAs, {alice_file}).output);
  EXPECT_EQ(open["impersonate"], "0x0");
  EXPECT_EQ(open["open"], std::to_string(EACCES));
  EXPECT_EQ(open["Uid"], "0 65534 0 65534");  // nobody: the kernel never sees alice
  EXPECT_EQ(open["Groups"], "");
}

TEST_F(RpcIdentityTest, AnonymousLevelNamesNoOne) {
  REQUIRE_ROOT();
  auto who = parse_fields(call_as(kAlice, local_, kPktPrivacy, kAnonymous, kWhoAmI).output);
  EXPECT_EQ(who["anonymous"], "1");
  EXPECT_EQ(who["principal"], "NT AUTHORITY\\ANONYMOUS LOGON");
  EXPECT_NE(who["uid"], "41001");
}

TEST_F(RpcIdentityTest, LevelNoneRefusesImpersonationAndLeavesTheThreadAsTheProcess) {
  REQUIRE_ROOT();
  guise::testing::PrivateFiles files;
  const std::string root_file = files.add("root", 0, 0, 0600);
  auto r = parse_fields(call_as(kAlice, local_, kNone, kImpersonate, kOpenAs, {root_file}).output);
  EXPECT_EQ(r["impersonate"], "0x80010118");  // RPC_E_UNSECURE_CALL (spec R18)
  EXPECT_EQ(r["Uid"], "0 0 0 0");
  EXPECT_EQ(r["open"], "0");  // still the server: it never claimed to be alice
  auto who = parse_fields(call_as(kAlice, local_, kNone, kImpersonate, kWhoAmI).output);
  EXPECT_EQ(who["principal"], "");
  EXPECT_EQ(who["level"], "1");
}

TEST_F(RpcIdentityTest, AHandlerThatForgetsToRevertLeavesNoPoolThreadAsTheCaller) {
  REQUIRE_ROOT();
  auto r = parse_fields(call_as(kAlice, local_, kConnect, kImpersonate, kImpersonateAndForget).output);
  ASSERT_EQ(r["hresult"], "0x00000000");
  EXPECT_EQ(r["Uid"], "0 41001 0 41001");  // it did impersonate
  // The runtime reverted before replying: no thread of this (server) process runs as anyone else.
  EXPECT_EQ(threads_not_at_process_identity(), std::vector<std::string>{});
  // And the next calls, whichever thread takes them, start as the process.
  for (int i = 0; i < 8; ++i) {
    auto next = parse_fields(call_as(kBob, local_, kConnect, kImpersonate, kThreadStatus).output);
    EXPECT_EQ(next["Uid"], "0 0 0 0");
    EXPECT_EQ(next["impersonating"], "0");
  }
}

TEST_F(RpcIdentityTest, AHandlerThatThrowsWhileImpersonatingFaultsAndLeavesNoThreadAsTheCaller) {
  REQUIRE_ROOT();
  auto r = parse_fields(call_as(kAlice, local_, kConnect, kImpersonate, kImpersonateAndThrow).output);
  EXPECT_EQ(r["hresult"], "0x80010105");  // RPC_E_SERVERFAULT (nca_s_fault_unspec)
  EXPECT_EQ(threads_not_at_process_identity(), std::vector<std::string>{});
  auto next = parse_fields(call_as(kBob, local_, kConnect, kImpersonate, kWhoAmI).output);
  EXPECT_EQ(next["uid"], "41002");
}

TEST_F(RpcIdentityTest, AThreadCarryingAnotherIdentityPresentsItToTheServer) {
  REQUIRE_ROOT();
  // A root client whose calling thread impersonates alice opens its connection as alice (cloaking).
  auto cloaked = parse_fields(call_as(std::nullopt, local_, kConnect, kImpersonate, kWhoAmI,
                                      {"--impersonate-uid", "41001"}).output);
  EXPECT_EQ(cloaked["uid"], "41001");
  auto plain = parse_fields(call_as(std::nullopt, local_, kConnect, kImpersonate, kWhoAmI).output);
  EXPECT_EQ(plain["uid"], "0");
}

TEST_F(RpcIdentityTest, AClientCannotPresentAnIdentityOtherThanItsOwn) {
  REQUIRE_ROOT();
  // 1. An unprivileged client cannot take on root's identity to connect with it: the kernel refuses.
  auto r = call_as(kAlice, local_, kConnect, kImpersonate, kWhoAmI, {"--impersonate-uid", "0"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  // 2. Claims in bytes are not identity: an NTLM verifier naming "root" is refused outright, and a
  //    local verifier padded with a claimed uid is malformed; either way the bind fails.
  auto status = guise::testing::run_in_child([&] {
    if (::setgid(kAlice) != 0 || ::setuid(kAlice) != 0) return 10;
    RawConnection ntlm(local_);
    std::vector<std::byte> claim;
    for (char c : std::string("NTLMSSP\0\3\0\0\0root", 16)) claim.push_back(static_cast<std::byte>(c));
    ntlm.send(probe_bind(1, AuthVerifier{kAuthTypeNtlm, 6, 0, 0, 0, claim}));
    auto nak = ntlm.receive_pdu();
    if (!nak || (*nak)[2] != std::byte{13}) return 11;  // bind_nak
    RawConnection padded(local_);
    auto value = LocalAuthValue{}.encode();
    for (char c : std::string("uid=0")) value.push_back(static_cast<std::byte>(c));
    padded.send(probe_bind(1, AuthVerifier{kAuthTypeGuiseLocal, 6, 0, 0, 0, value}));
    auto nak2 = padded.receive_pdu();
    if (!nak2 || (*nak2)[2] != std::byte{13}) return 12;
    return 0;
  });
  EXPECT_EQ(status.exit_code, 0);
  // 3. What the server reports for alice is alice, whatever she sends.
  EXPECT_EQ(parse_fields(call_as(kAlice, local_, kConnect, kImpersonate, kWhoAmI).output)["uid"], "41001");
}

TEST_F(RpcIdentityTest, TcpCallersAreNotAuthenticatedAndCannotBeImpersonated) {
  REQUIRE_ROOT();
  auto who = parse_fields(call_as(kAlice, tcp_, kNone, kImpersonate, kWhoAmI).output);
  EXPECT_EQ(who["transport"], "tcp");
  EXPECT_EQ(who["principal"], "");
  auto open = parse_fields(call_as(kAlice, tcp_, kNone, kImpersonate, kOpenAs, {"/"}).output);
  EXPECT_EQ(open["impersonate"], "0x80010118");
  EXPECT_EQ(open["Uid"], "0 0 0 0");
}

}  // namespace
}  // namespace guise::rpc::testing

namespace guise::rpc::testing {
namespace {

using identity::ImpersonationLevel;

// Spec R27: a server without CAP_SETUID/CAP_SETGID impersonates only callers whose kernel view is its
// own, and fails closed (CO_E_FAILEDTOIMPERSONATE, thread unchanged) for every other — identify
// level included, whose kernel view is nobody. Runs as root (dropping to 41001 in a child) or not.
TEST(RpcWithoutCapabilities, ImpersonationFailsClosedUnlessTheCallerIsTheServersOwnUid) {
  auto result = guise::testing::run_in_child([] {
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(41001) != 0 || ::setuid(41001) != 0)) {
      return 10;
    }
    Server server(ServerOptions{});
    if (!server.register_interface(probe_interface()).ok()) return 11;
    auto bound = server.listen("ncalrpc:[@guise-rpc-nocap-" + std::to_string(::getpid()) + "]");
    if (!bound.ok() || !server.start().ok()) return 12;
    const std::string own_uid = std::to_string(::getuid());
    const std::string own_line = own_uid + " " + own_uid + " " + own_uid + " " + own_uid;
    auto call = [&](ImpersonationLevel imp) {
      auto client = Client::create(*bound, AuthInfo::local(AuthnLevel::kConnect, imp));
      if (!client.ok()) return std::map<std::string, std::string>{};
      auto out = client->call(kProbeInterface, kOpenAs, as_bytes("/"));
      return out.ok() ? parse_fields(as_text(*out)) : std::map<std::string, std::string>{};
    };
    auto same = call(ImpersonationLevel::kImpersonate);
    auto identify = call(ImpersonationLevel::kIdentify);
    guise::testing::report("same.impersonate=" + same["impersonate"] + "\nsame.Uid=" + same["Uid"] +
                           "\nidentify.impersonate=" + identify["impersonate"] + "\nidentify.Uid=" +
                           identify["Uid"] + "\nown=" + own_line + "\n");
    server.stop();
    return 0;
  });
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto f = parse_fields(result.output);
  EXPECT_EQ(f["same.impersonate"], "0x0");              // nothing to switch: allowed
  EXPECT_EQ(f["same.Uid"], f["own"]);
  EXPECT_EQ(f["identify.impersonate"], "0x80010123");  // CO_E_FAILEDTOIMPERSONATE
  EXPECT_EQ(f["identify.Uid"], f["own"]);              // and the thread is unchanged
}

}  // namespace
}  // namespace guise::rpc::testing
