#include <gtest/gtest.h>
#include <grp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>

#include "base/unique_fd.h"
#include "identity/peer_credentials.h"
#include "identity/token.h"
#include "support/child_process.h"
#include "support/root.h"

namespace guise::identity {
namespace {

TEST(PeerCredentials, KernelReportsTheConnectingProcess) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd a(fds[0]), b(fds[1]);
  auto peer = PeerCredentials::from_socket(a.get());
  ASSERT_TRUE(peer.ok()) << peer.status().to_string();
  EXPECT_EQ(peer->uid, ::getuid());
  EXPECT_EQ(peer->gid, ::getgid());
  EXPECT_EQ(peer->pid, ::getpid());
  ASSERT_TRUE(peer->groups.has_value()) << "kernel without SO_PEERGROUPS";
  std::vector<gid_t> mine(static_cast<std::size_t>(::getgroups(0, nullptr)));
  ::getgroups(static_cast<int>(mine.size()), mine.data());
  std::sort(mine.begin(), mine.end());
  std::vector<gid_t> reported = *peer->groups;
  std::sort(reported.begin(), reported.end());
  EXPECT_EQ(reported, mine);
}

TEST(PeerCredentials, RefusesSocketsWithNothingToAttest) {
  UniqueFd unconnected(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(PeerCredentials::from_socket(unconnected.get()).status().code(), StatusCode::kInvalidInput);
  UniqueFd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(PeerCredentials::from_socket(tcp.get()).status().code(), StatusCode::kInvalidInput);
}

TEST(PeerCredentials, AGroupsReadTheKernelRefusesFailsClosedInsteadOfFallingBackToNss) {
  // ENODATA from the kernel (no peer on this socket) is a failure, not "this kernel cannot say":
  // only ENOPROTOOPT may lead to groups looked up in NSS.
  UniqueFd unconnected(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  auto groups = detail::read_peer_groups(unconnected.get());
  ASSERT_FALSE(groups.ok());
  EXPECT_EQ(groups.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(groups.status().message().find("SO_PEERGROUPS"), std::string::npos) << groups.status().to_string();
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  EXPECT_FALSE(detail::read_peer_groups(read_end.get()).ok());  // ENOTSOCK
}

TEST(PeerCredentials, APeerWithMoreGroupsThanTheFirstBufferHasThemAll) {
  GUISE_REQUIRE_ROOT();
  auto child = guise::testing::run_in_child([] {
    std::vector<gid_t> many;
    for (gid_t g = 42000; g < 42100; ++g) many.push_back(g);
    if (::setgroups(many.size(), many.data()) != 0) return 10;  // this child is single-threaded
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 11;
    UniqueFd a(fds[0]), b(fds[1]);
    auto peer = PeerCredentials::from_socket(a.get());
    if (!peer.ok() || !peer->groups) return 12;
    std::vector<gid_t> reported = *peer->groups;
    std::sort(reported.begin(), reported.end());
    return reported == many ? 0 : 13;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

TEST(Token, FromPeerCarriesSidsPrincipalAndLevel) {
  PeerCredentials peer;
  peer.uid = 41001;
  peer.gid = 41001;
  peer.groups = std::vector<gid_t>{42000, 41001};
  peer.pid = 1234;
  const Token token = Token::from_peer(peer, ImpersonationLevel::kImpersonate);
  EXPECT_EQ(token.user_sid(), Sid::unix_user(41001));
  EXPECT_TRUE(token.has_sid(Sid::unix_group(41001)));
  EXPECT_TRUE(token.has_sid(Sid::unix_group(42000)));
  EXPECT_TRUE(token.has_sid(well_known::kEveryone()));
  EXPECT_TRUE(token.has_sid(well_known::kAuthenticatedUsers()));
  EXPECT_FALSE(token.has_sid(well_known::kLocalSystem()));
  EXPECT_FALSE(token.has_sid(well_known::kBuiltinAdministrators()));
  EXPECT_EQ(token.principal_name(), "Unix User\\41001");  // no passwd entry: the decimal uid
  EXPECT_EQ(token.pid(), 1234);
  EXPECT_TRUE(token.ids_attested());
  EXPECT_EQ(token.groups(), (std::vector<gid_t>{41001, 42000}));
  EXPECT_EQ(token.level(), ImpersonationLevel::kImpersonate);
  EXPECT_FALSE(token.is_anonymous());
}

TEST(Token, RootIsLocalSystemAndAdministrator) {
  auto token = Token::for_uid(0, ImpersonationLevel::kIdentify);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->principal_name(), "Unix User\\root");
  EXPECT_TRUE(token->has_sid(well_known::kLocalSystem()));
  EXPECT_TRUE(token->has_sid(well_known::kBuiltinAdministrators()));
}

TEST(Token, ForUnknownUidNeedsAPrimaryGroup) {
  EXPECT_EQ(Token::for_uid(41999, ImpersonationLevel::kIdentify).status().code(), StatusCode::kNotFound);
  auto token = Token::for_uid(41999, ImpersonationLevel::kIdentify, 41999);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->principal_name(), "Unix User\\41999");
}

TEST(Token, AnonymousNamesNoOne) {
  const Token anonymous = Token::anonymous();
  EXPECT_TRUE(anonymous.is_anonymous());
  EXPECT_EQ(anonymous.user_sid(), well_known::kAnonymous());
  EXPECT_EQ(anonymous.principal_name(), "NT AUTHORITY\\ANONYMOUS LOGON");
  EXPECT_TRUE(anonymous.group_sids().empty());
  EXPECT_FALSE(anonymous.has_sid(well_known::kEveryone()));
}

TEST(Token, CopiesShareDataAndWithLevelChangesOnlyTheLevel) {
  const Token a = Token::for_ids(41001, 41001, {41001}, ImpersonationLevel::kDelegate);
  const Token b = a;
  EXPECT_EQ(a, b);
  const Token identify = a.with_level(ImpersonationLevel::kIdentify);
  EXPECT_EQ(identify.level(), ImpersonationLevel::kIdentify);
  EXPECT_EQ(identify.uid(), 41001u);
  EXPECT_FALSE(identify == a);
}

// R63: a delegated credential lives on a network logon at DELEGATE only, and goes with the last copy.
TEST(Token, ADelegatedCredentialStaysOnlyAtDelegateAndIsReleasedWithTheLastCopy) {
  struct Held final : DelegatedCredential {
    explicit Held(bool& released) : released_(released) {}
    ~Held() override { released_ = true; }
    const std::string& cache_name() const noexcept override { return name_; }
    bool& released_;
    std::string name_ = "MEMORY:test";
  };
  bool released = false;
  {
    const Token local = Token::for_ids(41001, 41001, {41001}, ImpersonationLevel::kDelegate);
    EXPECT_FALSE(local.is_network_logon());
    const Token remote = local.as_network_logon(std::make_shared<Held>(released));
    EXPECT_TRUE(remote.is_network_logon());
    ASSERT_NE(remote.delegated_credential(), nullptr);
    EXPECT_EQ(remote.delegated_credential()->cache_name(), "MEMORY:test");
    EXPECT_EQ(remote.with_principal_name("alice@GUISE.TEST").delegated_credential(), remote.delegated_credential());
    const Token capped = remote.with_level(ImpersonationLevel::kImpersonate);
    EXPECT_TRUE(capped.is_network_logon());
    EXPECT_EQ(capped.delegated_credential(), nullptr) << "below DELEGATE nothing is delegated";
    EXPECT_EQ(Token::for_ids(41001, 41001, {}, ImpersonationLevel::kImpersonate)
                  .as_network_logon(std::make_shared<Held>(released))
                  .delegated_credential(),
              nullptr);
    EXPECT_TRUE(released) << "not kept by an IMPERSONATE-level token";
    released = false;
  }
  EXPECT_TRUE(released) << "released with the last copy";
}

}  // namespace
}  // namespace guise::identity
