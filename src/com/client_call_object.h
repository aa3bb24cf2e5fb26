// client_call_object.h: the client's asynchronous call object (ICallFactory::CreateCall on a proxy;
// spec R57, R58; [MAC], [CSAC]).
//
// One object per CreateCall. Its controlling IUnknown is the outer unknown when aggregated, else its
// own. It exposes:
//   - AsyncIFoo: the generated async proxy (AsyncProxyStubEntry::create_async_proxy) over this object
//     as its AsyncProxyChannel. Begin_M sends M's request (async_call_engine.h); Finish_M waits for
//     the reply — on an STA in the modal loop, serving the apartment — and decodes it.
//   - ISynchronize: a manual-reset flag set when the reply arrives (or the call fails or is
//     cancelled), reset by Begin_. Wait → S_OK once set, RPC_S_CALLPENDING at the timeout, E_INVALIDARG
//     for flags that are no COWAIT_FLAGS (as CoWaitForMultipleHandles).
//   - ISynchronizeHandle: GetHandle gives an event HANDLE mirroring that flag, owned by the call
//     object (closed when it is destroyed; the caller must not CloseHandle it).
//   - ICancelMethodCalls: Cancel(0) sends co_cancel and orphaned and completes the call with
//     RPC_E_CALL_CANCELED at once; Cancel(n > 0) sends co_cancel and waits up to n seconds (INFINITE:
//     for ever) for the server's reply — which completes the call with whatever the server answered —
//     before abandoning it the same way (async_call_engine.h). Cancel never blocks. TestCancel →
//     RPC_E_CALL_CANCELED (Cancel was called), RPC_S_CALLPENDING, or RPC_E_CALL_COMPLETE (no call,
//     or it completed).
//   - IClientSecurity: this call object's own blanket, copied from the interface proxy at CreateCall.
//     SetBlanket changes only this object's later calls. CopyProxy → E_INVALIDARG for a NULL
//     parameter, else E_NOTIMPL (a call object is no proxy; copy the interface proxy instead).
// One call at a time: Begin_ while a call is begun and not finished → RPC_S_CALLPENDING; Finish_
// without one (or a second Finish_) → RPC_E_CALL_COMPLETE. The client identity and blanket of a call
// are fixed at Begin_ (R58). Releasing the object with a call in progress cancels and abandons it
// (co_cancel, orphaned; its connection is closed, never reused).
// Thread-safety: every method may be called from any thread; Begin_ is refused outside the proxy's
// apartment (RPC_E_WRONG_THREAD), like the proxy's own calls.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "com/async_call_engine.h"
#include "com/orpc_channel.h"
#include "guise/com_ptr.h"
#include "guise/objidl.h"
#include "ndr/async_proxy.h"

namespace guise::com {

class ProxyManager;

class ClientCallObject final : public ISynchronize,
                               public ISynchronizeHandle,
                               public ICancelMethodCalls,
                               public IClientSecurity,
                               public ndr::AsyncProxyChannel {
 public:
  // Makes the object and answers QueryInterface(riid2) on it into *ppv (the non-delegating IUnknown
  // when aggregated: the caller has checked riid2 == IID_IUnknown then).
  static HRESULT create(ComPtr<ProxyManager> manager, std::unique_ptr<OrpcChannel> channel,
                        const ndr::AsyncProxyStubEntry& entry, IUnknown* outer, REFIID riid2, void** ppv);

  // IUnknown (delegating to the controlling unknown).
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override { return outer_->QueryInterface(riid, ppv); }
  ULONG STDMETHODCALLTYPE AddRef() override { return outer_->AddRef(); }
  ULONG STDMETHODCALLTYPE Release() override { return outer_->Release(); }

  // ISynchronize
  HRESULT STDMETHODCALLTYPE Wait(DWORD dwFlags, DWORD dwMilliseconds) override;
  HRESULT STDMETHODCALLTYPE Signal() override;
  HRESULT STDMETHODCALLTYPE Reset() override;
  // ISynchronizeHandle
  HRESULT STDMETHODCALLTYPE GetHandle(HANDLE* ph) override;
  // ICancelMethodCalls
  HRESULT STDMETHODCALLTYPE Cancel(ULONG ulSeconds) override;
  HRESULT STDMETHODCALLTYPE TestCancel() override;
  // IClientSecurity (pProxy: any interface of this call object; it is not looked at)
  HRESULT STDMETHODCALLTYPE QueryBlanket(IUnknown* pProxy, DWORD* pAuthnSvc, DWORD* pAuthzSvc,
                                         OLECHAR** pServerPrincName, DWORD* pAuthnLevel, DWORD* pImpLevel,
                                         void** pAuthInfo, DWORD* pCapabilites) override;
  HRESULT STDMETHODCALLTYPE SetBlanket(IUnknown* pProxy, DWORD dwAuthnSvc, DWORD dwAuthzSvc, OLECHAR* pServerPrincName,
                                       DWORD dwAuthnLevel, DWORD dwImpLevel, void* pAuthInfo,
                                       DWORD dwCapabilities) override;
  HRESULT STDMETHODCALLTYPE CopyProxy(IUnknown* pProxy, IUnknown** ppCopy) override;

  // ndr::AsyncProxyChannel
  HRESULT begin(const IID& sync_iid, std::uint16_t opnum, std::span<const std::byte> stub_in) override;
  HRESULT finish(std::uint16_t opnum, std::vector<std::byte>& stub_out) override;
  ndr::InterfaceMarshaler* interface_marshaler() override { return channel_->interface_marshaler(); }
  ndr::Limits limits() override { return channel_->limits(); }

 private:
  // The non-delegating IUnknown: the object's own identity and reference count.
  class Inner final : public IUnknown {
   public:
    explicit Inner(ClientCallObject& self) : self_(self) {}
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
    ULONG STDMETHODCALLTYPE AddRef() override;
    ULONG STDMETHODCALLTYPE Release() override;

   private:
    ClientCallObject& self_;
  };

  ClientCallObject(ComPtr<ProxyManager> manager, std::unique_ptr<OrpcChannel> channel,
                   const ndr::AsyncProxyStubEntry& entry, IUnknown* outer);
  ~ClientCallObject();

  Inner inner_{*this};
  IUnknown* outer_;  // the controlling unknown: the aggregator's, or &inner_
  std::atomic<ULONG> refs_{1};
  ComPtr<ProxyManager> manager_;  // keeps the object's references (and its OXID) while calls run
  std::unique_ptr<OrpcChannel> channel_;
  const ndr::AsyncProxyStubEntry& entry_;
  std::shared_ptr<CompletionFlag> signal_ = std::make_shared<CompletionFlag>();
  std::mutex mu_;
  std::shared_ptr<AsyncOperation> op_;  // guarded by mu_: the call begun and not finished
  ndr::AsyncProxyPtr async_proxy_;      // last: destroyed first
};

}  // namespace guise::com
