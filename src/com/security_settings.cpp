// security_settings.cpp: the process's call-security policy and the per-call access check.
#include "com/security_settings.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "base/log.h"
#include "guise/combaseapi.h"
#include "identity/access_check.h"
#include "identity/impersonation.h"

namespace guise::com {
namespace {

// Fixed once (std::call_once): by CoInitializeSecurity or by the first reader (the implicit defaults).
struct PolicySlot {
  std::once_flag fixed;
  SecurityPolicy policy;
  std::atomic<bool> is_fixed{false};  // set (release) once `policy` holds its final value
};

// GUISE_UNPRIVILEGED_IDENTITY="<uid>:<gid>": the ids identify- and anonymous-level impersonation runs
// as (default nobody/nogroup). Read once, when the policy is fixed, before any call is served.
void apply_unprivileged_identity_setting() {
  const char* text = std::getenv("GUISE_UNPRIVILEGED_IDENTITY");
  if (text == nullptr) return;
  unsigned long uid = 0, gid = 0;
  char extra = 0;
  if (std::sscanf(text, "%lu:%lu%c", &uid, &gid, &extra) != 2 || uid == 0 || gid == 0 || uid > 0xFFFFFFFEul ||
      gid > 0xFFFFFFFEul) {
    log::error("com: GUISE_UNPRIVILEGED_IDENTITY={} is not <uid>:<gid> of a non-root user; keeping {}:{}", text,
               identity::unprivileged_identity().uid, identity::unprivileged_identity().gid);
    return;
  }
  identity::set_unprivileged_identity({static_cast<uid_t>(uid), static_cast<gid_t>(gid)});
  log::info("com: identify and anonymous impersonation run as uid {} gid {}", uid, gid);
}

PolicySlot& slot() {
  static PolicySlot* s = new PolicySlot();  // lives for the process: calls may run during exit
  return *s;
}

// The implicit access policy (R37): the process's own uid and root.
bool implicitly_admitted(const rpc::CallAttributes& call) {
  if (!call.caller) return false;
  const uid_t uid = call.caller->uid();
  if (call.caller->is_anonymous()) return false;
  return uid == 0 || uid == identity::process_kernel_ids().euid;
}

}  // namespace

const SecurityPolicy& security_policy() {
  PolicySlot& s = slot();
  // The implicit defaults: a later CoInitializeSecurity is too late.
  std::call_once(s.fixed, [&s] {
    apply_unprivileged_identity_setting();
    s.is_fixed.store(true, std::memory_order_release);
  });
  return s.policy;
}

HRESULT install_security_policy(SecurityPolicy policy) {
  PolicySlot& s = slot();
  HRESULT result = RPC_E_TOO_LATE;
  std::call_once(s.fixed, [&] {
    s.policy = std::move(policy);
    apply_unprivileged_identity_setting();
    s.is_fixed.store(true, std::memory_order_release);
    result = S_OK;
  });
  return result;
}

rpc::AuthInfo default_client_auth(const rpc::StringBinding& binding) {
  const SecurityPolicy& policy = security_policy();
  auto level = static_cast<rpc::AuthnLevel>(policy.authn_level == RPC_C_AUTHN_LEVEL_DEFAULT
                                                 ? DWORD{RPC_C_AUTHN_LEVEL_CONNECT}
                                                 : policy.authn_level);
  auto imp = static_cast<identity::ImpersonationLevel>(policy.imp_level);
  // Over TCP a GSSAPI context authenticates the caller (remote_authentication.h); it cannot be
  // anonymous, so ANONYMOUS asks for IDENTIFY (R46).
  if (!binding.is_local() && imp == identity::ImpersonationLevel::kAnonymous) imp = identity::ImpersonationLevel::kIdentify;
  return rpc::AuthInfo::local(level, imp,
                              policy.capabilities & (EOAC_STATIC_CLOAKING | EOAC_DYNAMIC_CLOAKING | EOAC_MUTUAL_AUTH));
}

rpc::AuthInfo negotiated_client_auth(const rpc::StringBinding& binding, std::uint32_t server_hint) {
  rpc::AuthInfo auth = default_client_auth(binding);
  if (server_hint == RPC_C_AUTHN_LEVEL_DEFAULT || server_hint > RPC_C_AUTHN_LEVEL_PKT_PRIVACY) return auth;
  if (server_hint > static_cast<std::uint32_t>(auth.level)) auth.level = static_cast<rpc::AuthnLevel>(server_hint);
  return auth;
}

std::uint32_t advertised_authn_level() {
  PolicySlot& s = slot();
  if (!s.is_fixed.load(std::memory_order_acquire)) return RPC_C_AUTHN_LEVEL_CONNECT;
  return s.policy.authn_level == RPC_C_AUTHN_LEVEL_DEFAULT ? DWORD{RPC_C_AUTHN_LEVEL_CONNECT} : s.policy.authn_level;
}

HRESULT check_call_access(const rpc::CallAttributes& call) {
  const SecurityPolicy& policy = security_policy();
  const DWORD floor = policy.authn_level == RPC_C_AUTHN_LEVEL_DEFAULT ? DWORD{RPC_C_AUTHN_LEVEL_CONNECT}
                                                                       : policy.authn_level;
  if (static_cast<DWORD>(call.authn_level) < floor) {
    log::info("com: call below the process's authentication level ({} < {}) refused",
              static_cast<unsigned>(call.authn_level), floor);
    return E_ACCESSDENIED;
  }
  if (policy.implicit_access) {
    if (implicitly_admitted(call)) return S_OK;
    log::info("com: uid {} refused: no CoInitializeSecurity, only root and this process's uid get in",
              call.caller ? static_cast<long>(call.caller->uid()) : -1L);
    return E_ACCESSDENIED;
  }
  if (!policy.access) return S_OK;  // a NULL descriptor admits everyone, anonymous included
  // A caller at level NONE has no token: it holds only what a NULL DACL gives everyone.
  const identity::Token caller = call.caller ? *call.caller : identity::Token::anonymous();
  identity::AccessMask wanted = COM_RIGHTS_EXECUTE;
  if (policy.new_format_acl) {
    wanted |= call.transport == rpc::TransportKind::kLocal ? COM_RIGHTS_EXECUTE_LOCAL : COM_RIGHTS_EXECUTE_REMOTE;
  }
  const identity::GenericMapping mapping{COM_RIGHTS_EXECUTE, COM_RIGHTS_EXECUTE, COM_RIGHTS_EXECUTE,
                                         COM_RIGHTS_EXECUTE | COM_RIGHTS_EXECUTE_LOCAL | COM_RIGHTS_EXECUTE_REMOTE};
  if (identity::access_check(caller, *policy.access, wanted, mapping).granted) return S_OK;
  log::info("com: {} refused by the process's access descriptor", caller.principal_name());
  return E_ACCESSDENIED;
}

}  // namespace guise::com
