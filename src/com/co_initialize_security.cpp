// co_initialize_security.cpp: CoInitializeSecurity — argument checks (R38, R39) and the one-time
// installation of the process's policy (R35; security_settings.h).
#include "base/log.h"
#include "com/apartment.h"
#include "com/security_settings.h"
#include "guise/objbase.h"
#include "identity/impersonation.h"
#include "identity/win32/binary_security_descriptor.h"

namespace guise::com {
namespace {

constexpr DWORD kExecuteBits = COM_RIGHTS_EXECUTE_LOCAL | COM_RIGHTS_EXECUTE_REMOTE;

// The descriptor a CoInitializeSecurity caller passed, copied (R40: later edits of the caller's buffer
// change nothing), or the HRESULT refusing it (R38).
Result<SecurityPolicy> read_access_descriptor(PSECURITY_DESCRIPTOR descriptor, SecurityPolicy policy) {
  auto binary = identity::win32::read_descriptor(descriptor);
  if (!binary.ok()) return Status(StatusCode::kInvalidInput, "unreadable security descriptor", E_INVALIDARG);
  auto content = identity::win32::interpret(*binary);
  if (!content.ok()) return Status(StatusCode::kInvalidInput, "unsupported security descriptor", E_INVALIDARG);
  const identity::SecurityDescriptor& sd = content->descriptor;
  if (!sd.owner || !sd.group) return Status(StatusCode::kInvalidInput, "descriptor without owner or group", E_INVALIDARG);
  if (content->sacl_present || sd.sacl) return Status(StatusCode::kInvalidInput, "descriptor with a SACL", E_INVALIDARG);
  bool old_format = false;
  bool new_format = false;
  if (sd.dacl) {
    for (const identity::Ace& ace : *sd.dacl) {
      if ((ace.mask & COM_RIGHTS_EXECUTE) == 0) {
        return Status(StatusCode::kInvalidInput, "an ACE without COM_RIGHTS_EXECUTE", E_INVALIDARG);
      }
      ((ace.mask & kExecuteBits) != 0 ? new_format : old_format) = true;
    }
  }
  if (old_format && new_format) {
    return Status(StatusCode::kInvalidInput, "old- and new-format ACEs mixed", E_INVALIDARG);
  }
  policy.access = sd;
  policy.new_format_acl = new_format;
  policy.implicit_access = false;
  return policy;
}

}  // namespace
}  // namespace guise::com

extern "C" HRESULT STDAPICALLTYPE CoInitializeSecurity(PSECURITY_DESCRIPTOR pSecDesc, LONG cAuthSvc,
                                                       SOLE_AUTHENTICATION_SERVICE* asAuthSvc, void* pReserved1,
                                                       DWORD dwAuthnLevel, DWORD dwImpLevel, void* pAuthList,
                                                       DWORD dwCapabilities, void* pReserved3) {
  using namespace guise::com;
  (void)pAuthList;
  if (pReserved1 != nullptr || pReserved3 != nullptr) return E_INVALIDARG;
  if (cAuthSvc == -1 && asAuthSvc != nullptr) return E_INVALIDARG;
  if (cAuthSvc < -1) return E_INVALIDARG;
  if (dwImpLevel == RPC_C_IMP_LEVEL_DEFAULT || dwImpLevel > RPC_C_IMP_LEVEL_DELEGATE) return E_INVALIDARG;
  if (dwAuthnLevel > RPC_C_AUTHN_LEVEL_PKT_PRIVACY) return E_INVALIDARG;
  if ((dwCapabilities & EOAC_APPID) != 0 && (dwCapabilities & EOAC_ACCESS_CONTROL) != 0) return E_INVALIDARG;
  if ((dwCapabilities & EOAC_ACCESS_CONTROL) != 0 && pSecDesc == nullptr) return E_INVALIDARG;
  if ((dwCapabilities & EOAC_STATIC_CLOAKING) != 0 && (dwCapabilities & EOAC_DYNAMIC_CLOAKING) != 0) return E_INVALIDARG;
  if ((dwCapabilities & EOAC_DEFAULT) != 0) return E_INVALIDARG;
  if (dwAuthnLevel == RPC_C_AUTHN_LEVEL_NONE && ((dwCapabilities & EOAC_SECURE_REFS) != 0 || pSecDesc != nullptr)) {
    return E_INVALIDARG;
  }
  if ((dwCapabilities & EOAC_APPID) != 0) return E_NOTIMPL;  // no registry in guise
  // IAccessControl (EOAC_ACCESS_CONTROL) is out of scope: pSecDesc is then not a descriptor.
  if ((dwCapabilities & EOAC_ACCESS_CONTROL) != 0) return E_NOTIMPL;
  if (!thread_in_apartment()) return CO_E_NOTINITIALIZED;

  SecurityPolicy policy;
  policy.explicit_call = true;
  policy.authn_level = dwAuthnLevel == RPC_C_AUTHN_LEVEL_DEFAULT ? DWORD{RPC_C_AUTHN_LEVEL_CONNECT} : dwAuthnLevel;
  policy.imp_level = dwImpLevel;
  policy.capabilities = dwCapabilities & ~DWORD{EOAC_AUTO_IMPERSONATE};
  policy.implicit_access = false;
  if (pSecDesc != nullptr) {
    auto read = read_access_descriptor(pSecDesc, policy);
    if (!read.ok()) return E_INVALIDARG;
    policy = *std::move(read);
  }
  if (cAuthSvc > 0 && asAuthSvc != nullptr) {
    // Only services this process can accept are registered; the rest are marked as refused (R39).
    bool any = false;
    for (LONG i = 0; i < cAuthSvc; ++i) {
      const DWORD service = asAuthSvc[i].dwAuthnSvc;
      const bool usable = service == RPC_C_AUTHN_WINNT || service == RPC_C_AUTHN_NONE ||
                          service == static_cast<DWORD>(RPC_C_AUTHN_DEFAULT);
      asAuthSvc[i].hr = usable ? S_OK : RPC_E_NO_GOOD_SECURITY_PACKAGES;
      any = any || usable;
    }
    if (!any) return RPC_E_NO_GOOD_SECURITY_PACKAGES;
  }
  const HRESULT installed = install_security_policy(std::move(policy));
  if (installed == S_OK) {
    guise::identity::log_impersonation_mode_once();
    guise::log::info("com: CoInitializeSecurity: authentication level {}, impersonation level {}, capabilities {:#x}, {}",
                     dwAuthnLevel, dwImpLevel, dwCapabilities,
                     pSecDesc == nullptr ? "every caller admitted" : "access descriptor installed");
  }
  return installed;
}
