// security_settings.h: the process-wide call-security policy CoInitializeSecurity sets (spec §3.6).
//
// One policy per process, fixed by the first successful CoInitializeSecurity or, failing that, by the
// first marshal or unmarshal of an interface (implicit defaults, R36–R37): authentication level
// CONNECT, impersonation level IDENTIFY, no cloaking, and an access policy admitting only the
// process's own uid and root. Once fixed it never changes (RPC_E_TOO_LATE for a later call).
//   - default_client_auth / negotiated_client_auth: the blanket new proxies start with (R42/R43);
//   - advertised_authn_level: the level this process's resolver hints to its clients (R43);
//   - check_call_access: the access check every incoming call passes before the object is touched
//     (R40/R41): E_ACCESSDENIED for a caller the descriptor does not grant COM_RIGHTS_EXECUTE (and, in
//     new-format descriptors, EXECUTE_LOCAL over ncalrpc / EXECUTE_REMOTE over TCP), or whose call
//     arrived below the process's authentication level.
// Setting (no Windows API exists for it): GUISE_UNPRIVILEGED_IDENTITY="<uid>:<gid>" names the ids
// identify- and anonymous-level impersonation runs as (default nobody/nogroup), read when the policy
// is fixed. Thread-safety: every function may be called from any thread; the policy is immutable once fixed.
#pragma once

#include <cstdint>
#include <optional>

#include "base/status.h"
#include "guise/objidl.h"
#include "identity/security_descriptor.h"
#include "rpc/client.h"
#include "rpc/server_call.h"
#include "rpc/string_binding.h"

namespace guise::com {

struct SecurityPolicy {
  bool explicit_call = false;  // set by CoInitializeSecurity (false: implicit defaults)
  DWORD authn_level = RPC_C_AUTHN_LEVEL_CONNECT;
  DWORD imp_level = RPC_C_IMP_LEVEL_IDENTIFY;
  DWORD capabilities = EOAC_NONE;
  // nullopt: everyone is admitted (a NULL pSecDesc). Otherwise the copied descriptor.
  std::optional<identity::SecurityDescriptor> access;
  bool new_format_acl = false;  // ACEs use EXECUTE_LOCAL / EXECUTE_REMOTE
  bool implicit_access = true;  // the R37 default: the process's own uid and root only
};

// The policy, fixing the implicit defaults if nothing fixed it yet (R36).
const SecurityPolicy& security_policy();
// Fixes the implicit defaults now (marshaling and unmarshaling call this).
inline void freeze_security_policy() { (void)security_policy(); }

// CoInitializeSecurity's work, after argument checks (co_initialize_security.cpp).
HRESULT install_security_policy(SecurityPolicy policy);

// This process's client defaults for `binding`, before negotiation with a server.
rpc::AuthInfo default_client_auth(const rpc::StringBinding& binding);
// The blanket a new proxy starts with (R43): default_client_auth with the authentication level raised
// to `server_hint`, the level the server's resolver advertised (its CoInitializeSecurity floor). A hint
// that names no level (DEFAULT, or beyond PKT_PRIVACY, from a confused or hostile peer) raises nothing.
rpc::AuthInfo negotiated_client_auth(const rpc::StringBinding& binding, std::uint32_t server_hint);

// The authentication level ResolveOxid2 and RemoteActivation advertise: the policy's level once it is
// fixed, CONNECT (the implicit default) before. Never fixes the policy itself, so no peer can make a
// later CoInitializeSecurity too late by asking early.
std::uint32_t advertised_authn_level();

// S_OK when the call may reach its object, E_ACCESSDENIED otherwise (logged).
HRESULT check_call_access(const rpc::CallAttributes& call);

}  // namespace guise::com
