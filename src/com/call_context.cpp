// call_context.cpp: IServerSecurity over one rpc::ServerCall, and the thread's switched-context slot.
#include "com/call_context.h"

#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <optional>

#include "base/hresult_map.h"
#include "base/log.h"
#include "base/utf16.h"
#include "com/apartment.h"
#include "com/call_frame.h"
#include "com/remote_authentication.h"
#include "guise/objbase.h"
#include "identity/impersonation.h"
#include "identity/thread_revert.h"
#include "identity/token.h"
#include "rpc/audit.h"
#include "rpc/wire_constants.h"

namespace guise::com {
namespace {

thread_local detail::SwitchedContext t_switched;

// A helper thread's impersonation through some call's context (R22): the scope that reverts it, and
// the ticket the runtime reverts it by when that call completes first.
struct HelperImpersonation {
  std::optional<identity::ImpersonationScope> scope;
  std::shared_ptr<identity::RevertTicket> ticket;

  // Back to the process, on the helper thread (kRevertSignal blocked): the ticket is disarmed first,
  // so the runtime leaves the thread alone; when the runtime already reverted it, ending the scope is a
  // verified no-op.
  void end() noexcept {
    if (ticket) ticket->disarm();
    scope.reset();
    ticket.reset();
    identity::clear_thread_revoked();
  }
  // The thread ends: the signal stays blocked for good, so no handler runs after this.
  ~HelperImpersonation() {
    if (!ticket && !scope) return;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, identity::revert_signal());
    ::pthread_sigmask(SIG_BLOCK, &block, nullptr);
    std::shared_ptr<identity::RevertTicket> ending = ticket;
    end();
    if (ending) ending->mark_exited();
  }
};
thread_local HelperImpersonation t_helper;

// The calling thread's record. The identity layer's per-thread state is touched first, so that it is
// built before the record and outlives it at thread exit (thread_local objects die in reverse order).
HelperImpersonation& helper_record() {
  (void)identity::is_impersonating();
  return t_helper;
}

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
  std::vector<std::shared_ptr<identity::RevertTicket>> helpers;
  {
    std::lock_guard lock(mu_);
    call_ = nullptr;
    helpers.swap(helpers_);
  }
  // Outside the lock: a helper blocked in this object's methods has the revert signal blocked until
  // it gets the lock. Each helper still impersonating is reverted now, before the reply leaves (R22).
  for (const auto& ticket : helpers) identity::revert_thread(*ticket);
}

void CallContextObject::call_signalled() noexcept {
  std::lock_guard lock(mu_);
  signalled_ = true;
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
  if (std::this_thread::get_id() != dispatch_thread_) return impersonate_on_helper();
  std::lock_guard lock(mu_);
  if (const HRESULT hr = usable_locked(); hr != S_OK) return hr;
  // Complete from COM's view once the server signalled (R60); what it impersonated before stays (R61).
  if (signalled_) return RPC_E_CALL_COMPLETE;
  // A context whose call is not the innermost on this thread (an outer call's, kept while an STA serves
  // a nested one) would end the nested call's scope from below: refused, the thread unchanged.
  if (!innermost_on_thread()) return RPC_E_WRONG_THREAD;
  const Status status = call_->impersonate_client();
  return status.ok() ? S_OK : status_to_hresult(status);
}

HRESULT CallContextObject::impersonate_on_helper() {
  identity::HelperSignalBlock block;
  HelperImpersonation& helper = helper_record();
  std::lock_guard lock(mu_);
  if (const HRESULT hr = usable_locked(); hr != S_OK) return hr;
  if (signalled_) return RPC_E_CALL_COMPLETE;  // R60
  // A thread serving a call of its own acts through that call's context: its identity is that call's
  // scope, which this helper bookkeeping must not cut across.
  if (CallFrame::current() != nullptr) return RPC_E_WRONG_THREAD;
  const rpc::CallAttributes& call = call_->attributes();
  if (!call.caller || call.authn_level == rpc::AuthnLevel::kNone) return RPC_E_UNSECURE_CALL;  // R18
  // Impersonation does not nest (R19): back to the process, then take on this caller.
  helper.end();
  std::shared_ptr<identity::RevertTicket> ticket = identity::RevertTicket::arm();
  auto scope = identity::impersonate(*call.caller);
  if (!scope.ok()) {
    log::warn("com: helper thread impersonating {} refused: {}", call.caller->principal_name(),
              scope.status().to_string());
    if (rpc::audit::wanted(rpc::audit::Event::kImpersonateRefused)) [[unlikely]] {
      rpc::audit::record(rpc::audit::Event::kImpersonateRefused, call, call_->causality(), &scope.status());
    }
    return status_to_hresult(scope.status());
  }
  helper.scope.emplace(std::move(scope).value());
  // A helper's impersonation is audited like the serving thread's (rpc/audit.h), from the helper itself.
  if (rpc::audit::wanted(rpc::audit::Event::kImpersonate)) [[unlikely]] {
    rpc::audit::record(rpc::audit::Event::kImpersonate, call, call_->causality());
  }
  helper.ticket = ticket;
  // One live ticket per helper thread at most (a replaced or reverted one is inactive).
  std::erase_if(helpers_, [](const auto& t) { return !t->active(); });
  helpers_.push_back(std::move(ticket));
  return S_OK;
}

HRESULT CallContextObject::RevertToSelf() {
  if (std::this_thread::get_id() != dispatch_thread_) {
    identity::HelperSignalBlock block;
    HelperImpersonation& helper = helper_record();
    {
      std::lock_guard lock(mu_);
      if (const HRESULT hr = usable_locked(); hr != S_OK) return hr;
    }
    // The thread's impersonation, whichever live context established it (R20, R23).
    helper.end();
    return S_OK;
  }
  std::lock_guard lock(mu_);
  if (const HRESULT hr = usable_locked(); hr != S_OK) return hr;
  // One revert undoes every ImpersonateClient of this call on this thread (R20); not impersonating is
  // no error.
  if (!innermost_on_thread()) return RPC_E_WRONG_THREAD;
  call_->revert_to_self();
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
