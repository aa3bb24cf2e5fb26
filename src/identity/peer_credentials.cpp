#include "identity/peer_credentials.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <mutex>

#include "base/log.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59  // Linux 4.13
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77  // Linux 6.5
#endif

namespace guise::identity {
namespace {
constexpr std::size_t kMaxPeerGroups = 65536;  // NGROUPS_MAX on Linux
}

namespace detail {

Result<std::optional<std::vector<gid_t>>> read_peer_groups(int fd) {
  std::vector<gid_t> groups(16);
  // The peer's groups cannot change after connect; a second attempt with the size the kernel asked
  // for succeeds. The bound only keeps a misbehaving kernel from looping us.
  for (int attempt = 0; attempt < 4; ++attempt) {
    socklen_t bytes = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &bytes) == 0) {
      groups.resize(bytes / sizeof(gid_t));
      return std::optional<std::vector<gid_t>>(std::move(groups));
    }
    const int error = errno;
    if (error == ENOPROTOOPT) {
      // Linux < 4.13 has no SO_PEERGROUPS: the one case in which groups may come from NSS.
      static std::once_flag once;
      std::call_once(once, [] {
        log::warn("identity: this kernel has no SO_PEERGROUPS; supplementary groups of local callers are "
                  "looked up in NSS for their uid instead of attested by the kernel");
      });
      return std::optional<std::vector<gid_t>>();
    }
    if (error != ERANGE || bytes / sizeof(gid_t) > kMaxPeerGroups) {
      return unavailable(fmt::format("SO_PEERGROUPS: {}", std::strerror(error)));
    }
    groups.resize(bytes / sizeof(gid_t));
  }
  return unavailable("SO_PEERGROUPS: the group list kept changing size");
}

}  // namespace detail

Result<PeerCredentials> PeerCredentials::from_socket(int fd) {
  sockaddr_storage address{};
  socklen_t address_length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0) {
    return invalid_input(fmt::format("getsockname: {}", std::strerror(errno)));
  }
  if (address.ss_family != AF_UNIX) {
    return invalid_input("peer credentials exist only for AF_UNIX sockets");
  }

  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0 || length != sizeof credentials) {
    return invalid_input(fmt::format("SO_PEERCRED: {}", std::strerror(errno)));
  }
  // An unconnected socket reports pid 0 and uid/gid -1: there is no one to attest.
  if (credentials.uid == static_cast<uid_t>(-1) || credentials.gid == static_cast<gid_t>(-1)) {
    return invalid_input("SO_PEERCRED: socket is not connected");
  }

  PeerCredentials peer;
  peer.uid = credentials.uid;
  peer.gid = credentials.gid;
  if (credentials.pid > 0) peer.pid = credentials.pid;

  GUISE_TRY(peer.groups, detail::read_peer_groups(fd));

  int pidfd = -1;
  socklen_t pidfd_length = sizeof pidfd;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &pidfd_length) == 0 && pidfd >= 0) {
    peer.pidfd = std::make_shared<const UniqueFd>(pidfd);
  }
  return peer;
}

}  // namespace guise::identity
