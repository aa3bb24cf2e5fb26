// async_call_control.h: the runtime's control object of one asynchronous call a server object
// processes (the server half of MS "non-blocking method calls"): what the object's ICallFactory::
// CreateCall receives as pCtrlUnk and its call object aggregates.
//
// It implements IUnknown, ISynchronize and ICancelMethodCalls; QueryInterface for anything else is
// forwarded to the aggregated call object (so the runtime reaches its AsyncIFoo through it). It owns
// the call's deferred reply (rpc/deferred_reply.h) and sends it exactly once:
//   - Begin_ failed (its HRESULT, or bad stub data): a fault with that HRESULT as soon as Begin_
//     returns; Finish_ is never called (there is no Finish_ half to run without a started call);
//   - otherwise once BOTH Begin_ has returned and Signal has been called (Signal may come inside Begin_
//     or later from any thread): Finish_ runs at the process identity (never impersonating), in the
//     object's apartment (an STA's call is posted to its thread when Signal comes from elsewhere),
//     with no call context current, and its response is sent;
//   - the last reference goes before that: the call faults with RPC_E_SERVERFAULT (logged), so a
//     server that forgets to Signal never leaves its client waiting.
// A Signal after Begin_ returned runs Finish_ and the reply on the signalling thread, before Signal
// returns (posted instead when the object's STA is not the signalling thread's).
// Signal marks the call's context object signalled (call_context.h: R60, R61). A second Signal is
// RPC_E_CALL_COMPLETE. Wait waits for Signal (RPC_S_CALLPENDING on timeout); Reset before Signal is
// S_OK, after it RPC_E_CALL_COMPLETE (a completing call cannot be taken back). TestCancel:
// RPC_E_CALL_CANCELED once the client cancelled (co_cancel) or gave the call up (orphaned,
// disconnected), RPC_S_CALLPENDING while pending, RPC_E_CALL_COMPLETE after Signal. Cancel is
// E_NOTIMPL: only the client cancels a call.
// Thread-safety: every COM method may be called from any thread; the runtime's methods follow the
// order attach → begin_returned, on the thread that runs Begin_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "com/call_context.h"
#include "com/peer.h"
#include "guise/com_ptr.h"
#include "guise/objidl.h"
#include "ndr/async_proxy.h"
#include "ndr/call_context.h"
#include "rpc/deferred_reply.h"

namespace guise::com {

class Apartment;

class AsyncCallControl final : public ISynchronize, public ICancelMethodCalls {
 public:
  // What Finish_ needs besides the object: the call's identity and how to encode its response.
  struct Call {
    const ndr::AsyncProxyStubEntry* entry = nullptr;
    std::uint16_t opnum = 0;
    GUID causality{};
    PeerKey peer;
    ndr::InterfaceMarshaler* marshaler = nullptr;
    ndr::Limits limits;
    ndr::ByteOrder order = ndr::ByteOrder::kLittleEndian;
    std::shared_ptr<Apartment> sta;  // the object's STA, null in the MTA
  };

  // One reference, the runtime's.
  static ComPtr<AsyncCallControl> create(Call call);

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG STDMETHODCALLTYPE Release() override;

  HRESULT STDMETHODCALLTYPE Wait(DWORD dwFlags, DWORD dwMilliseconds) override;
  HRESULT STDMETHODCALLTYPE Signal() override;
  HRESULT STDMETHODCALLTYPE Reset() override;

  HRESULT STDMETHODCALLTYPE Cancel(ULONG ulSeconds) override;
  HRESULT STDMETHODCALLTYPE TestCancel() override;

  // The runtime's side. attach: the call object CreateCall made (its non-delegating IUnknown, adopted),
  // the reply and the context object of the call Begin_ runs in. Returns the call object's AsyncIFoo
  // (no reference of its own: it lives as long as this object), or nullptr when it has none.
  IUnknown* attach(IUnknown* inner, rpc::DeferredReply reply, ComPtr<CallContextObject> context);
  // Begin_ returned (on its thread, the call's scope ended): `begin` is its outcome — an error Status
  // for bad stub data or a throw, else Begin_'s HRESULT in `begin_hr`.
  void begin_returned(const Status& begin, HRESULT begin_hr);

 private:
  explicit AsyncCallControl(Call call) noexcept;
  ~AsyncCallControl();
  // Finish_ and the reply, once (see the header comment), on the object's apartment's thread.
  void schedule_finish();
  void run_finish();

  std::atomic<ULONG> refs_{1};
  const Call call_;
  IUnknown* inner_ = nullptr;   // the call object's non-delegating IUnknown (one reference)
  IUnknown* async_ = nullptr;   // its AsyncIFoo, uncounted (aggregation)
  std::mutex mu_;
  std::condition_variable signalled_cv_;
  std::optional<rpc::DeferredReply> reply_;   // guarded by mu_; taken by whoever finishes
  ComPtr<CallContextObject> context_;         // guarded by mu_; until Begin_ returns
  bool signalled_ = false;                     // guarded by mu_
  bool begin_returned_ = false;                // guarded by mu_
  bool begin_failed_ = false;                  // guarded by mu_
};

}  // namespace guise::com
