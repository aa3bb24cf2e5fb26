// peer_credentials.h: who is on the other end of a connected Unix socket, as the kernel says.
//
// Captured once, at accept/connect, from SO_PEERCRED (pid, uid, gid), SO_PEERGROUPS (supplementary
// groups) and SO_PEERPIDFD (a pidfd that stays valid if the pid is reused). The kernel records these
// when the peer called connect() (or socketpair()), so they name the identity the *connecting thread*
// had then — this is what lets a thread present an impersonated identity without being trusted.
// Nothing a peer sends can change them. Every field says whether it is known. Immutable after capture;
// copyable (the pidfd is shared); thread-safe.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"

namespace guise::identity {

struct PeerCredentials {
  // Attested by the kernel at connect time (SO_PEERCRED).
  uid_t uid = 0;
  gid_t gid = 0;
  // The peer's pid when it is in our pid namespace (SO_PEERCRED reports 0 otherwise).
  std::optional<pid_t> pid;
  // SO_PEERGROUPS (Linux ≥ 4.13); nullopt only on a kernel without that option (the one case in
  // which Token::from_peer looks groups up in NSS). Any other failure to read them fails from_socket.
  std::optional<std::vector<gid_t>> groups;
  // SO_PEERPIDFD (Linux ≥ 6.5); null when unavailable. Shared so the struct stays copyable.
  std::shared_ptr<const UniqueFd> pidfd;

  // Reads all of the above from a connected AF_UNIX socket. Fails (kInvalidInput) for a socket that
  // is not connected or not AF_UNIX, since then there is nothing the kernel can attest, and
  // (kUnavailable) when the kernel has SO_PEERGROUPS but does not answer it: fail closed, never a
  // caller with groups guessed from NSS.
  static Result<PeerCredentials> from_socket(int fd);
};

namespace detail {
// SO_PEERGROUPS of a socket: the groups; nullopt when the kernel lacks the option (ENOPROTOOPT, logged
// once); kUnavailable for every other failure.
Result<std::optional<std::vector<gid_t>>> read_peer_groups(int fd);
}  // namespace detail

}  // namespace guise::identity
