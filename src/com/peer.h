// peer.h: who is on the other end of an incoming ORPC call, as a key for per-peer bounds.
//
// DESIGN decision 8 gives each peer a share of what the server holds (ping sets, objects exported on
// its behalf). A peer is keyed by what is attested, never by anything it sent: over ncalrpc the
// client process as the kernel reports it at connect (pid, with its uid), over an authenticated
// transport the principal name, and otherwise one shared bucket for unauthenticated TCP callers.
// Calls made by this process itself (marshaling outside any incoming call) use kSelf, which no
// per-peer bound limits. Values; ordered so they key maps; thread-safe.
#pragma once

#include <sys/types.h>

#include <compare>
#include <string>

#include "rpc/server_call.h"

namespace guise::com {

struct PeerKey {
  enum class Kind : std::uint8_t { kSelf, kLocalProcess, kPrincipal, kAnonymous };
  Kind kind = Kind::kSelf;
  pid_t pid = 0;
  uid_t uid = 0;
  std::string principal;

  static PeerKey self() { return {}; }
  friend auto operator<=>(const PeerKey&, const PeerKey&) = default;
  friend bool operator==(const PeerKey&, const PeerKey&) = default;
  std::string describe() const;
};

PeerKey peer_of(const rpc::CallAttributes& attributes);

}  // namespace guise::com
