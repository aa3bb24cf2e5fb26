// delegated_credential.h: keeping the credential a Kerberos client delegated with its authentication
// (spec R63: RPC_C_IMP_LEVEL_DELEGATE → GSS_C_DELEG_FLAG → a forwarded TGT).
//
// gss_accept_sec_context hands the acceptor the client's forwarded TGT as a credential handle. guise
// stores it in a credential cache of its own, in memory ("MEMORY:guise-delegated-<n>", private to
// this process, never on disk), and hangs it on the caller's Token (identity::DelegatedCredential):
// a thread impersonating that caller and calling a third machine over TCP authenticates from that
// cache (gss_client.h). The cache is destroyed when the last Token copy holding it goes — the end of
// the caller's association and of every call context and static-cloaking capture that copied it.
// Thread-safety: the holder is immutable; MIT's memory caches lock internally, so any number of
// connections may acquire initiator credentials from it at once.
#pragma once

#include <memory>

#include "base/status.h"
#include "identity/token.h"
#include "rpc/gssapi/gss_handles.h"

namespace guise::rpc::gssapi {

// Copies `delegated` (a Kerberos credential from gss_accept_sec_context) into a new memory cache.
// kAccessDenied (with GSSAPI's reason) when it cannot be stored.
Result<std::shared_ptr<const identity::DelegatedCredential>> keep_delegated(const gss::Credential& delegated);

}  // namespace guise::rpc::gssapi
