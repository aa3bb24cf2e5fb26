// client_security.cpp: IClientSecurity over a proxy manager's channels, and CoSetProxyBlanket,
// CoQueryProxyBlanket, CoCopyProxy (spec §3.5, §3.7).
#include "com/client_security.h"

#include <cstring>

#include "base/hresult_map.h"
#include "base/utf16.h"
#include "com/connection_source.h"
#include "com/proxy_manager.h"
#include "com/remote_authentication.h"
#include "com/remote_oxid.h"
#include "com/runtime.h"
#include "com/security_settings.h"
#include "guise/objbase.h"
#include "rpc/wire_constants.h"

namespace guise::com {
namespace {

constexpr DWORD kBlanketCapabilities = EOAC_MUTUAL_AUTH | EOAC_STATIC_CLOAKING | EOAC_DYNAMIC_CLOAKING |
                                       EOAC_ANY_AUTHORITY | EOAC_MAKE_FULLSIC | EOAC_DEFAULT;

Status invalid(const char* why) { return Status(StatusCode::kInvalidInput, why, E_INVALIDARG); }

bool known_authn_service(DWORD service) {
  return service == RPC_C_AUTHN_NONE || service == RPC_C_AUTHN_WINNT || service == RPC_C_AUTHN_GSS_NEGOTIATE ||
         service == RPC_C_AUTHN_GSS_KERBEROS || service == static_cast<DWORD>(RPC_C_AUTHN_DEFAULT);
}

class ProxySecurity final : public IClientSecurity {
 public:
  explicit ProxySecurity(ProxyManager& manager) : manager_(&manager) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IClientSecurity) {
      AddRef();
      *ppv = static_cast<IClientSecurity*>(this);
      return S_OK;
    }
    return manager_->QueryInterface(riid, ppv);  // one COM identity: the proxy manager's
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG STDMETHODCALLTYPE Release() override {
    const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (left == 0) delete this;
    return left;
  }

  HRESULT STDMETHODCALLTYPE QueryBlanket(IUnknown* pProxy, DWORD* pAuthnSvc, DWORD* pAuthzSvc,
                                         OLECHAR** pServerPrincName, DWORD* pAuthnLevel, DWORD* pImpLevel,
                                         void** pAuthInfo, DWORD* pCapabilites) override {
    const OrpcChannel* channel = nullptr;  // null: the negotiated default (R43)
    if (pProxy != static_cast<IUnknown*>(manager_.Get())) {
      channel = manager_->channel_of_proxy(pProxy);
      if (channel == nullptr) return E_NOINTERFACE;
    }
    return query_channel_blanket(*manager_->oxid(), channel, pAuthnSvc, pAuthzSvc, pServerPrincName, pAuthnLevel,
                                 pImpLevel, pAuthInfo, pCapabilites);
  }

  HRESULT STDMETHODCALLTYPE SetBlanket(IUnknown* pProxy, DWORD dwAuthnSvc, DWORD dwAuthzSvc, OLECHAR* pServerPrincName,
                                       DWORD dwAuthnLevel, DWORD dwImpLevel, void* pAuthInfo,
                                       DWORD dwCapabilities) override {
    OrpcChannel* channel = nullptr;  // null: IUnknown, accepted and changing nothing (R48)
    if (pProxy != static_cast<IUnknown*>(manager_.Get())) {
      channel = manager_->channel_of_proxy(pProxy);
      if (channel == nullptr) {
        // Arguments are still checked first, as before: a bad blanket is E_INVALIDARG whatever the proxy.
        const HRESULT checked = set_channel_blanket(*manager_->oxid(), nullptr, dwAuthnSvc, dwAuthzSvc,
                                                    pServerPrincName, dwAuthnLevel, dwImpLevel, pAuthInfo,
                                                    dwCapabilities);
        return FAILED(checked) ? checked : E_NOINTERFACE;
      }
    }
    return set_channel_blanket(*manager_->oxid(), channel, dwAuthnSvc, dwAuthzSvc, pServerPrincName, dwAuthnLevel,
                               dwImpLevel, pAuthInfo, dwCapabilities);
  }

  HRESULT STDMETHODCALLTYPE CopyProxy(IUnknown* pProxy, IUnknown** ppCopy) override {
    if (ppCopy == nullptr) return E_POINTER;
    *ppCopy = nullptr;
    // The proxy manager's IUnknown and its local interfaces cannot be copied (R49, as R48).
    auto copy = manager_->copy_proxy(pProxy);
    if (!copy.ok()) return status_to_hresult(copy.status());
    *ppCopy = *copy;
    return S_OK;
  }

 private:
  ~ProxySecurity() = default;
  ComPtr<ProxyManager> manager_;
  std::atomic<ULONG> refs_{1};
};

}  // namespace

HRESULT query_channel_blanket(const RemoteOxid& oxid, const OrpcChannel* channel, DWORD* pAuthnSvc, DWORD* pAuthzSvc,
                              OLECHAR** pServerPrincName, DWORD* pAuthnLevel, DWORD* pImpLevel, void** pAuthInfo,
                              DWORD* pCapabilites) {
  const rpc::Client& client = channel != nullptr ? channel->current_client() : oxid.client();
  const rpc::AuthInfo auth = channel != nullptr ? channel->authentication() : oxid.client().auth();
  std::optional<RemoteAuthentication> remote = Runtime::instance().client().connections().remote_of(&client);
  const bool none = auth.level == rpc::AuthnLevel::kNone;
  if (none) remote.reset();
  if (pServerPrincName != nullptr) {
    // The server is named by what attests it: the kernel locally (no principal string), its
    // acceptor name remotely. An empty string, allocated as R47 requires, stands for "none".
    const std::u16string name = remote ? utf8_to_utf16(remote->principal) : std::u16string();
    *pServerPrincName = static_cast<OLECHAR*>(CoTaskMemAlloc((name.size() + 1) * sizeof(OLECHAR)));
    if (*pServerPrincName == nullptr) return E_OUTOFMEMORY;
    std::memcpy(*pServerPrincName, name.c_str(), (name.size() + 1) * sizeof(OLECHAR));
  }
  const DWORD service = remote ? remote->authn_service : DWORD{RPC_C_AUTHN_WINNT};
  if (pAuthnSvc != nullptr) *pAuthnSvc = none ? RPC_C_AUTHN_NONE : service;
  if (pAuthzSvc != nullptr) *pAuthzSvc = RPC_C_AUTHZ_NONE;
  if (pAuthnLevel != nullptr) *pAuthnLevel = static_cast<DWORD>(auth.level);
  if (pImpLevel != nullptr) *pImpLevel = static_cast<DWORD>(auth.imp_level);
  if (pAuthInfo != nullptr) *pAuthInfo = nullptr;  // locally never explicit credentials (R45)
  if (pCapabilites != nullptr) *pCapabilites = auth.capabilities;
  return S_OK;
}

HRESULT set_channel_blanket(const RemoteOxid& oxid, OrpcChannel* channel, DWORD dwAuthnSvc, DWORD dwAuthzSvc,
                            OLECHAR* pServerPrincName, DWORD dwAuthnLevel, DWORD dwImpLevel, void* pAuthInfo,
                            DWORD dwCapabilities) {
  const rpc::StringBinding& binding = oxid.binding();
  auto auth = blanket_to_auth({dwAuthnSvc, dwAuthzSvc, dwAuthnLevel, dwImpLevel, pAuthInfo, dwCapabilities},
                              oxid.binding(), oxid.client().auth());
  if (!auth.ok()) return status_to_hresult(auth.status());
  // Over TCP the blanket also picks the GSSAPI service, the server's principal and credentials.
  std::optional<RemoteAuthentication> remote;
  if (!binding.is_local()) {
    auto chosen = remote_authentication_for(dwAuthnSvc, pServerPrincName, pAuthInfo, oxid.resolver_bindings(), binding);
    if (!chosen.ok()) return status_to_hresult(chosen.status());
    remote = std::move(*chosen);
  }
  if (channel == nullptr) return S_OK;
  const Status set = channel->set_authentication(Runtime::instance().client().connections(), *auth, remote);
  return set.ok() ? S_OK : status_to_hresult(set);
}

HRESULT query_client_security(ProxyManager& manager, void** ppv) {
  *ppv = static_cast<IClientSecurity*>(new ProxySecurity(manager));
  return S_OK;
}

Result<rpc::AuthInfo> blanket_to_auth(const RequestedBlanket& requested, const rpc::StringBinding& binding,
                                      const rpc::AuthInfo& defaults) {
  if (!known_authn_service(requested.authn_service)) return invalid("unknown authentication service");
  if ((requested.capabilities & ~kBlanketCapabilities) != 0) return invalid("capability outside SetBlanket's set");
  const bool static_cloaking = (requested.capabilities & EOAC_STATIC_CLOAKING) != 0;
  const bool dynamic_cloaking = (requested.capabilities & EOAC_DYNAMIC_CLOAKING) != 0;
  if (static_cloaking && dynamic_cloaking) return invalid("both cloaking flags");
  const bool explicit_identity = requested.auth_info != nullptr && requested.auth_info != COLE_DEFAULT_AUTHINFO;
  if (explicit_identity && (static_cloaking || dynamic_cloaking)) return invalid("explicit identity with cloaking");
  // A local caller is attested by the kernel, never claimed (DESIGN decision 3).
  if (explicit_identity && binding.is_local()) return invalid("explicit identity over ncalrpc");
  if (requested.authn_level > RPC_C_AUTHN_LEVEL_PKT_PRIVACY) return invalid("unknown authentication level");
  if (requested.imp_level > RPC_C_IMP_LEVEL_DELEGATE) return invalid("unknown impersonation level");
  if (requested.authn_level == RPC_C_AUTHN_LEVEL_NONE && requested.authn_service != RPC_C_AUTHN_NONE &&
      requested.authn_service != static_cast<DWORD>(RPC_C_AUTHN_DEFAULT)) {
    return invalid("level NONE with an authentication service");
  }

  rpc::AuthInfo auth = defaults;
  if (requested.authn_service == RPC_C_AUTHN_NONE) {
    auth.level = rpc::AuthnLevel::kNone;
  } else if (requested.authn_level != RPC_C_AUTHN_LEVEL_DEFAULT) {
    auth.level = static_cast<rpc::AuthnLevel>(requested.authn_level);
  }
  if (requested.imp_level != RPC_C_IMP_LEVEL_DEFAULT) {
    auth.imp_level = static_cast<identity::ImpersonationLevel>(requested.imp_level);
  }
  // Anonymous is honoured only where the kernel attests the caller (R46).
  if (!binding.is_local() && auth.imp_level == identity::ImpersonationLevel::kAnonymous) {
    auth.imp_level = identity::ImpersonationLevel::kIdentify;
  }
  auth.capabilities = (requested.capabilities & EOAC_DEFAULT) != 0 ? defaults.capabilities
                                                                    : (requested.capabilities & ~DWORD{EOAC_DEFAULT});
  return auth;
}

}  // namespace guise::com

using guise::com::query_client_security;

namespace {
// R34: QueryInterface the proxy for IClientSecurity, call, Release. A non-proxy → E_NOINTERFACE.
template <class Method>
HRESULT with_client_security(IUnknown* proxy, Method method) {
  if (proxy == nullptr) return E_INVALIDARG;
  IClientSecurity* security = nullptr;
  const HRESULT hr = proxy->QueryInterface(IID_IClientSecurity, reinterpret_cast<void**>(&security));
  if (FAILED(hr)) return hr;
  const HRESULT result = method(*security);
  security->Release();
  return result;
}
}  // namespace

extern "C" HRESULT STDAPICALLTYPE CoQueryProxyBlanket(IUnknown* pProxy, DWORD* pwAuthnSvc, DWORD* pAuthzSvc,
                                                      LPOLESTR* pServerPrincName, DWORD* pAuthnLevel, DWORD* pImpLevel,
                                                      RPC_AUTH_IDENTITY_HANDLE* pAuthInfo, DWORD* pCapabilites) {
  return with_client_security(pProxy, [&](IClientSecurity& s) {
    return s.QueryBlanket(pProxy, pwAuthnSvc, pAuthzSvc, pServerPrincName, pAuthnLevel, pImpLevel, pAuthInfo,
                          pCapabilites);
  });
}

extern "C" HRESULT STDAPICALLTYPE CoSetProxyBlanket(IUnknown* pProxy, DWORD dwAuthnSvc, DWORD dwAuthzSvc,
                                                    OLECHAR* pServerPrincName, DWORD dwAuthnLevel, DWORD dwImpLevel,
                                                    RPC_AUTH_IDENTITY_HANDLE pAuthInfo, DWORD dwCapabilities) {
  return with_client_security(pProxy, [&](IClientSecurity& s) {
    return s.SetBlanket(pProxy, dwAuthnSvc, dwAuthzSvc, pServerPrincName, dwAuthnLevel, dwImpLevel, pAuthInfo,
                        dwCapabilities);
  });
}

extern "C" HRESULT STDAPICALLTYPE CoCopyProxy(IUnknown* pProxy, IUnknown** ppCopy) {
  return with_client_security(pProxy, [&](IClientSecurity& s) { return s.CopyProxy(pProxy, ppCopy); });
}
