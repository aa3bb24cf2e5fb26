// call_context.cpp: IServerSecurity over one rpc::ServerCall, and the thread's switched-context slot.
#include "com/call_context.h"

#include <cstring>

#include "base/hresult_map.h"
#include "base/log.h"
#include "base/utf16.h"
#include "com/apartment.h"
#include "com/call_frame.h"
#include "com/remote_authentication.h"
#include "guise/objbase.h"
#include "identity/impersonation.h"
#include "identity/token.h"
#include "rpc/wire_constants.h"

namespace guise::com {
namespace {

thread_local detail::SwitchedContext t_switched;

// A CoTaskMemAlloc'd copy of `text` (R13), or nullptr when memory ran out.
OLECHAR* task_mem_string(const std::u16string& text) {
  auto* out = static_cast<OLECHAR*>(CoTaskMemAlloc((text.size() + 1) * sizeof(OLECHAR)));
  if (out == nullptr) return nullptr;
  std::memcpy(out, text.c_str(), (text.size() + 1) * sizeof(OLECHAR));
  return out;
}

}  // namespace

CallContextObject::CallContextObject(rpc::ServerCall* call, std::uint64_t apartment_id) noexcept
    : call_(call), apartment_id_(apartment_id), dispatch_thread_(std::this_thread::get_id()) {}

HRESULT CallContextObject::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown || riid == IID_IServerSecurity) {
    *ppv = static_cast<IServerSecurity*>(this);
    AddRef();
    return S_OK;
  }
  *ppv = nullptr;
  return E_NOINTERFACE;
}

ULONG CallContextObject::Release() {
  const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (left == 0) delete this;
  return left;
}

void CallContextObject::call_completed() noexcept {
  std::lock_guard lock(mu_);
  call_ = nullptr;
}

HRESULT CallContextObject::usable_locked() const noexcept {
  if (call_ == nullptr) return RPC_E_CALL_COMPLETE;
  if (std::this_thread::get_id() == dispatch_thread_) return S_OK;
  const Apartment* here = current_apartment();
  if (here == nullptr || here->id() != apartment_id_) return RPC_E_WRONG_THREAD;
  return S_OK;
}

HRESULT CallContextObject::QueryBlanket(DWORD* pAuthnSvc, DWORD* pAuthzSvc, OLECHAR** pServerPrincName,
                                        DWORD* pAuthnLevel, DWORD* pImpLevel, void** pPrivs,
                                        DWORD* pCapabilities) {
  std::lock_guard lock(mu_);
  if (const HRESULT hr = usable_locked(); hr != S_OK) return hr;
  const rpc::CallAttributes& call = call_->attributes();
  const bool unauthenticated = call.authn_level == rpc::AuthnLevel::kNone || !call.caller;
  // The server's own principal is allocated first: the only step that can fail, so nothing else is
  // written when it does (R13).
  if (pServerPrincName != nullptr) {
    // Over TCP the server is the name its GSSAPI acceptor proved (remote_authentication.h).
    const bool remote = call.transport == rpc::TransportKind::kTcp && !unauthenticated;
    *pServerPrincName = task_mem_string(
        utf8_to_utf16(remote ? tcp_acceptor_principal() : identity::Token::process().principal_name()));
    if (*pServerPrincName == nullptr) return E_OUTOFMEMORY;
  }
  if (pAuthnSvc != nullptr) *pAuthnSvc = unauthenticated ? RPC_C_AUTHN_NONE : call.authn_service;
  if (pAuthzSvc != nullptr) *pAuthzSvc = RPC_C_AUTHZ_NONE;
  if (pAuthnLevel != nullptr) *pAuthnLevel = static_cast<DWORD>(call.authn_level);
  if (pImpLevel != nullptr) {
    *pImpLevel = call.imp_level ? static_cast<DWORD>(*call.imp_level) : DWORD{RPC_C_IMP_LEVEL_ANONYMOUS};
  }
  if (pPrivs != nullptr) {
    if (unauthenticated) {
      *pPrivs = nullptr;
    } else {
      if (client_name_.empty()) client_name_ = utf8_to_utf16(call.caller->principal_name());
      *pPrivs = const_cast<char16_t*>(client_name_.c_str());
    }
  }
  // The wire carries no capability flags of the client (R16); EOAC_MAKE_FULLSIC on input is ignored.
  if (pCapabilities != nullptr) *pCapabilities = EOAC_NONE;
  return S_OK;
}

HRESULT CallContextObject::ImpersonateClient() {
  std::lock_guard lock(mu_);
  if (const HRESULT hr = usable_locked(); hr != S_OK) return hr;
  // Only the serving thread impersonates: its scope ends with the call (R21). A helper thread could
  // not be reverted when the call ends yet (R22), so it is refused rather than left as the caller.
  if (std::this_thread::get_id() != dispatch_thread_) return RPC_E_WRONG_THREAD;
  // A context whose call is not the innermost on this thread (an outer call's, kept while an STA serves
  // a nested one) would end the nested call's scope from below: refused, the thread unchanged.
  if (!innermost_on_thread()) return RPC_E_WRONG_THREAD;
  const Status status = call_->impersonate_client();
  return status.ok() ? S_OK : status_to_hresult(status);
}

HRESULT CallContextObject::RevertToSelf() {
  std::lock_guard lock(mu_);
  if (const HRESULT hr = usable_locked(); hr != S_OK) return hr;
  // One revert undoes every ImpersonateClient of this call on this thread (R20); not impersonating is
  // no error. Another thread of the apartment never impersonated through this context.
  if (std::this_thread::get_id() == dispatch_thread_) {
    if (!innermost_on_thread()) return RPC_E_WRONG_THREAD;
    call_->revert_to_self();
  }
  return S_OK;
}

bool CallContextObject::innermost_on_thread() const noexcept {
  const CallFrame* frame = CallFrame::current();
  return frame != nullptr && frame->server_call() == call_;
}

BOOL CallContextObject::IsImpersonating() {
  std::lock_guard lock(mu_);
  if (usable_locked() != S_OK) return FALSE;
  // The thread's state, whichever context established it (R23): after a nested STA call returns, the
  // outer call's impersonation is the thread's again.
  return identity::is_impersonating() ? TRUE : FALSE;
}

namespace detail {
SwitchedContext exchange_switched_context(SwitchedContext next) noexcept {
  SwitchedContext previous = t_switched;
  t_switched = next;
  return previous;
}
}  // namespace detail

}  // namespace guise::com
