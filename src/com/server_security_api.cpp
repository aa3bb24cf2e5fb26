// server_security_api.cpp: CoGetCallContext, CoSwitchCallContext and the Co* shorthands over
// IServerSecurity (spec §3.1, §3.5).
#include "com/call_context.h"
#include "com/call_frame.h"
#include "guise/objbase.h"

namespace guise::com {
namespace {

// The thread's current context object (no new reference), or nullptr when no call is current.
IUnknown* current_context() {
  const detail::SwitchedContext switched = detail::exchange_switched_context({});
  (void)detail::exchange_switched_context(switched);
  if (switched.active) return switched.object;
  CallFrame* frame = CallFrame::current();
  if (frame == nullptr || frame->server_call() == nullptr) return nullptr;
  // The frame holds a reference for the whole call; this one is dropped at once.
  return frame->context_object().Get();
}

// R33: CoGetCallContext(IID_IServerSecurity) + `method` + Release, with identical results.
template <class Method>
HRESULT with_server_security(Method method) {
  IServerSecurity* security = nullptr;
  const HRESULT hr = CoGetCallContext(IID_IServerSecurity, reinterpret_cast<void**>(&security));
  if (FAILED(hr)) return hr;
  const HRESULT result = method(*security);
  security->Release();
  return result;
}

}  // namespace
}  // namespace guise::com

using guise::com::current_context;
using guise::com::with_server_security;

extern "C" HRESULT STDAPICALLTYPE CoGetCallContext(REFIID riid, void** ppInterface) {
  if (ppInterface == nullptr) return E_POINTER;
  *ppInterface = nullptr;
  IUnknown* context = current_context();
  // No call on this thread (never, or it has returned): R1, whether or not the thread is in COM.
  if (context == nullptr) return RPC_E_CALL_COMPLETE;
  return context->QueryInterface(riid, ppInterface);
}

extern "C" HRESULT STDAPICALLTYPE CoSwitchCallContext(IUnknown* pNewObject, IUnknown** ppOldObject) {
  if (ppOldObject == nullptr) return E_POINTER;
  // Neither object is AddRef'd nor released (R6): the caller owns both references.
  *ppOldObject = current_context();
  (void)guise::com::detail::exchange_switched_context({true, pNewObject});
  return S_OK;
}

extern "C" HRESULT STDAPICALLTYPE CoImpersonateClient(void) {
  return with_server_security([](IServerSecurity& s) { return s.ImpersonateClient(); });
}

extern "C" HRESULT STDAPICALLTYPE CoRevertToSelf(void) {
  return with_server_security([](IServerSecurity& s) { return s.RevertToSelf(); });
}

extern "C" HRESULT STDAPICALLTYPE CoQueryClientBlanket(DWORD* pAuthnSvc, DWORD* pAuthzSvc, LPOLESTR* pServerPrincName,
                                                       DWORD* pAuthnLevel, DWORD* pImpLevel, RPC_AUTHZ_HANDLE* pPrivs,
                                                       DWORD* pCapabilities) {
  return with_server_security([&](IServerSecurity& s) {
    return s.QueryBlanket(pAuthnSvc, pAuthzSvc, pServerPrincName, pAuthnLevel, pImpLevel, pPrivs, pCapabilities);
  });
}
