// The kernel attests the identity of the thread that connected: the basis of cloaking (spec R56).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <thread>

#include "base/unique_fd.h"
#include "identity/impersonation.h"
#include "identity/peer_credentials.h"
#include "support/root.h"

namespace guise::identity {
namespace {

sockaddr_un abstract_address(const std::string& name, socklen_t& length) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  address.sun_path[0] = '\0';  // abstract namespace: no file permissions get in the way
  std::memcpy(address.sun_path + 1, name.data(), name.size());
  length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return address;
}

TEST(PeerIdentity, ConnectionMadeWhileImpersonatingIsAttestedAsTheCaller) {
  GUISE_REQUIRE_ROOT();
  socklen_t length = 0;
  const sockaddr_un address = abstract_address("guise-test-peer-" + std::to_string(::getpid()), length);
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);

  UniqueFd as_process(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  UniqueFd as_alice;
  std::thread client([&] {
    ASSERT_EQ(::connect(as_process.get(), reinterpret_cast<const sockaddr*>(&address), length), 0);
    auto scope = impersonate(Token::for_ids(41001, 41001, {41001, 42000}, ImpersonationLevel::kImpersonate));
    ASSERT_TRUE(scope.ok());
    as_alice.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_EQ(::connect(as_alice.get(), reinterpret_cast<const sockaddr*>(&address), length), 0);
  });
  client.join();

  UniqueFd first(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  UniqueFd second(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  auto process_peer = PeerCredentials::from_socket(first.get());
  auto alice_peer = PeerCredentials::from_socket(second.get());
  ASSERT_TRUE(process_peer.ok() && alice_peer.ok());
  EXPECT_EQ(process_peer->uid, 0u);
  EXPECT_EQ(alice_peer->uid, 41001u);
  EXPECT_EQ(alice_peer->gid, 41001u);
  ASSERT_TRUE(alice_peer->groups.has_value());
  EXPECT_EQ(*alice_peer->groups, (std::vector<gid_t>{41001, 42000}));
  const Token token = Token::from_peer(*alice_peer, ImpersonationLevel::kImpersonate);
  EXPECT_EQ(token.principal_name(), "Unix User\\41001");
}

}  // namespace
}  // namespace guise::identity
