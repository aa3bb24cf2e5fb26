// call_context.h: the call context object of one incoming call — what CoGetCallContext returns
// (IUnknown, IServerSecurity) — and the thread's current-context slot CoSwitchCallContext moves.
//
// CallContextObject answers for the call it was made for (spec §3.1–§3.3):
//   - while the call runs, on a thread of the call's apartment: QueryBlanket reports the blanket the
//     call arrived with (R9–R16); ImpersonateClient applies the caller's token to the calling thread's
//     kernel ids through rpc::ServerCall (R17–R20: level NONE → RPC_E_UNSECURE_CALL, a kernel refusal
//     → CO_E_FAILEDTOIMPERSONATE, repeated calls replace, one RevertToSelf undoes all);
//   - from a thread outside the call's apartment: RPC_E_WRONG_THREAD, IsImpersonating FALSE (R5);
//   - once the call has completed: a valid COM object that is dead — RPC_E_CALL_COMPLETE from every
//     HRESULT method, IsImpersonating FALSE (R4);
//   - for an asynchronous call, between the server's ISynchronize::Signal and the return of its Begin_
//     (call_signalled): *signalled* — ImpersonateClient is RPC_E_CALL_COMPLETE (R60, on every thread),
//     RevertToSelf still reverts (S_OK), IsImpersonating reports the thread's state and QueryBlanket
//     answers (R61); Signal itself reverts nobody. Begin_'s return completes the call as above.
// Impersonation is per thread (R22). The thread serving the call impersonates through rpc::ServerCall,
// its scope ending with the call (R21). Another thread of the apartment (a helper: in the MTA, not
// serving a call of its own) impersonates independently through identity::impersonate; the context
// records it with an identity::RevertTicket, and when the call completes (call_completed, before the
// reply leaves) every helper still impersonating is taken back to the process identity by a signal
// whose handler issues the raw revert syscalls (thread_revert.h) — or the process aborts (fail
// closed). A helper that reverted itself or exited needs nothing; one that was reverted by the runtime
// ends its own bookkeeping the next time it acts. A helper thread that serves a call of its own gets
// RPC_E_WRONG_THREAD from ImpersonateClient. On the serving thread, an outer call's context kept while
// a nested call runs (an STA) gets RPC_E_WRONG_THREAD from ImpersonateClient and RevertToSelf too:
// acting through it would end the nested call's scope.
// The object may outlive its call (a server keeps the pointer): CallFrame tells it when the call ends,
// under its lock, so a helper thread querying it meanwhile never reads a call that is gone.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "guise/objidl.h"
#include "identity/thread_revert.h"
#include "rpc/server_call.h"

namespace guise::com {

class CallContextObject final : public IServerSecurity {
 public:
  // `apartment_id`: the apartment the call runs in (Apartment::id), 0 for none.
  CallContextObject(rpc::ServerCall* call, std::uint64_t apartment_id) noexcept;

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG STDMETHODCALLTYPE Release() override;

  HRESULT STDMETHODCALLTYPE QueryBlanket(DWORD* pAuthnSvc, DWORD* pAuthzSvc, OLECHAR** pServerPrincName,
                                         DWORD* pAuthnLevel, DWORD* pImpLevel, void** pPrivs,
                                         DWORD* pCapabilities) override;
  HRESULT STDMETHODCALLTYPE ImpersonateClient() override;
  HRESULT STDMETHODCALLTYPE RevertToSelf() override;
  BOOL STDMETHODCALLTYPE IsImpersonating() override;

  // The call's end (CallFrame): from now on the object is dead (R4).
  void call_completed() noexcept;
  // An asynchronous call's server signalled completion while its Begin_ still runs (R60, R61).
  void call_signalled() noexcept;

 private:
  ~CallContextObject() = default;
  // Under mu_: S_OK when the calling thread may use the call now, else the HRESULT to return.
  HRESULT usable_locked() const noexcept;
  // Whether this context's call is the innermost call the calling thread serves (CallFrame::current).
  bool innermost_on_thread() const noexcept;
  // ImpersonateClient on a thread other than the dispatch thread (R22).
  HRESULT impersonate_on_helper();

  std::atomic<ULONG> refs_{1};
  mutable std::mutex mu_;
  rpc::ServerCall* call_;  // null once completed
  bool signalled_ = false;  // R60: no new impersonation
  const std::uint64_t apartment_id_;
  const std::thread::id dispatch_thread_;
  // Helper threads that impersonated through this context (R22), reverted at call_completed().
  std::vector<std::shared_ptr<identity::RevertTicket>> helpers_;
  std::u16string client_name_;  // pPrivs: built on first QueryBlanket, lives as long as the object
};

namespace detail {
// The thread's CoSwitchCallContext state: when `active`, `object` (possibly null = "no call") is what
// CoGetCallContext answers with instead of the current CallFrame's context. CallFrame saves and clears
// it on entry and restores it on exit (spec R8).
struct SwitchedContext {
  bool active = false;
  IUnknown* object = nullptr;
};
SwitchedContext exchange_switched_context(SwitchedContext next) noexcept;
}  // namespace detail

}  // namespace guise::com
