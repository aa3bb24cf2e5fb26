// client_security.h: IClientSecurity on every proxy (spec §3.7) and the blanket ↔ rpc::AuthInfo
// translation CoSetProxyBlanket, CoQueryProxyBlanket and CoInitializeSecurity share.
//
// QueryInterface(IID_IClientSecurity) on any proxy gives a small object bound to the proxy's manager;
// its methods take the interface proxy to act on (an interface pointer of that object; its IUnknown is
// accepted and changes nothing, the manager's local interfaces are E_NOINTERFACE, R48). SetBlanket
// picks the rpc::Client the interface proxy's channel calls through, so the next call uses the new
// blanket and calls in flight keep theirs (R44). Thread-safety: any thread.
#pragma once

#include "base/status.h"
#include "guise/objidl.h"
#include "rpc/client.h"
#include "rpc/string_binding.h"

namespace guise::com {

class ProxyManager;
class OrpcChannel;
class RemoteOxid;

// ProxyManager::QueryInterface's answer for IID_IClientSecurity.
HRESULT query_client_security(ProxyManager& manager, void** ppv);

// IClientSecurity::QueryBlanket and SetBlanket for one channel to `oxid` — an interface proxy's, or
// an asynchronous call object's own (client_call_object.h). A null channel: QueryBlanket reports the
// negotiated default (R43); SetBlanket checks its arguments and changes nothing (R48).
HRESULT query_channel_blanket(const RemoteOxid& oxid, const OrpcChannel* channel, DWORD* pAuthnSvc, DWORD* pAuthzSvc,
                              OLECHAR** pServerPrincName, DWORD* pAuthnLevel, DWORD* pImpLevel, void** pAuthInfo,
                              DWORD* pCapabilites);
HRESULT set_channel_blanket(const RemoteOxid& oxid, OrpcChannel* channel, DWORD dwAuthnSvc, DWORD dwAuthzSvc,
                            OLECHAR* pServerPrincName, DWORD dwAuthnLevel, DWORD dwImpLevel, void* pAuthInfo,
                            DWORD dwCapabilities);

// The blanket SetBlanket's arguments ask for, over `binding`, with the R46 defaults filled in from
// `defaults` (the proxy's negotiated starting blanket, R43): E_INVALIDARG for the R45 argument errors.
struct RequestedBlanket {
  DWORD authn_service;
  DWORD authz_service;
  DWORD authn_level;
  DWORD imp_level;
  void* auth_info;
  DWORD capabilities;
};
Result<rpc::AuthInfo> blanket_to_auth(const RequestedBlanket& requested, const rpc::StringBinding& binding,
                                      const rpc::AuthInfo& defaults);

}  // namespace guise::com
