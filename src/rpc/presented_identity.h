// presented_identity.h: the identity the calling thread shows the kernel — what a new AF_UNIX
// connection opened now would be attested as (SO_PEERCRED reports the effective ids, SO_PEERGROUPS
// the supplementary groups of the connecting thread). Part of the connection-pool key.
// Over TCP the ids are not what the server learns: a connection authenticates with the credential of
// whoever the thread impersonates, and a remote caller's token (a network logon) may carry none or a
// delegated one (spec R63). So a thread impersonating a network logon also presents that logon's
// principal and whether it delegated: its connections are never shared with a local user of the same
// uid, nor between a caller who delegated and one who did not.
// A small helper of the rpc layer (identity/ offers the full KernelIds, which costs one more field).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "rpc/client.h"

namespace guise::rpc {

struct PresentedIdentity {
  uid_t euid = 0;
  gid_t egid = 0;
  std::vector<gid_t> groups;  // sorted
  // "" when the thread is the process or impersonates a local (kernel-attested) caller; else
  // "<principal>" or "<principal>|delegated".
  std::string network_logon;
  friend bool operator==(const PresentedIdentity&, const PresentedIdentity&) = default;
};

PresentedIdentity presented_identity(IdentityCheck check);

}  // namespace guise::rpc
