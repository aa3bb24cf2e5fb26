// presented_identity.h: the identity the calling thread shows the kernel — what a new AF_UNIX
// connection opened now would be attested as (SO_PEERCRED reports the effective ids, SO_PEERGROUPS
// the supplementary groups of the connecting thread). Part of the connection-pool key.
// A small helper of the rpc layer (identity/ offers the full KernelIds, which costs one more field).
#pragma once

#include <sys/types.h>

#include <vector>

#include "rpc/client.h"

namespace guise::rpc {

struct PresentedIdentity {
  uid_t euid = 0;
  gid_t egid = 0;
  std::vector<gid_t> groups;  // sorted
  friend bool operator==(const PresentedIdentity&, const PresentedIdentity&) = default;
};

PresentedIdentity presented_identity(IdentityCheck check);

}  // namespace guise::rpc
