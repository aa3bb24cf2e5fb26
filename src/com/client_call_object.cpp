// client_call_object.cpp: the client's asynchronous call object (client_call_object.h).
#include "com/client_call_object.h"

#include "base/hresult_map.h"
#include "base/log.h"
#include "com/client_security.h"
#include "com/proxy_manager.h"
#include "guise/combaseapi.h"
#include "guise/winerror.h"

namespace guise::com {

HRESULT ClientCallObject::create(ComPtr<ProxyManager> manager, std::unique_ptr<OrpcChannel> channel,
                                 const ndr::AsyncProxyStubEntry& entry, IUnknown* outer, REFIID riid2, void** ppv) {
  auto* object = new ClientCallObject(std::move(manager), std::move(channel), entry, outer);
  object->async_proxy_ = entry.create_async_proxy(object->outer_, *object);
  HRESULT hr = S_OK;
  if (!object->async_proxy_) {
    hr = E_OUTOFMEMORY;
    *ppv = nullptr;
  } else {
    hr = object->inner_.QueryInterface(riid2, ppv);
  }
  object->inner_.Release();  // the creation reference
  return hr;
}

ClientCallObject::ClientCallObject(ComPtr<ProxyManager> manager, std::unique_ptr<OrpcChannel> channel,
                                   const ndr::AsyncProxyStubEntry& entry, IUnknown* outer)
    : outer_(outer != nullptr ? outer : &inner_), manager_(std::move(manager)), channel_(std::move(channel)),
      entry_(entry) {}

ClientCallObject::~ClientCallObject() {
  std::shared_ptr<AsyncOperation> op;
  {
    std::lock_guard lock(mu_);
    op = std::move(op_);
  }
  if (op) AsyncCallEngine::instance().abandon(op);
}

HRESULT ClientCallObject::Inner::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  ClientCallObject& s = self_;
  if (riid == IID_IUnknown) {
    *ppv = static_cast<IUnknown*>(this);
  } else if (riid == IID_ISynchronize) {
    *ppv = static_cast<ISynchronize*>(&s);
  } else if (riid == IID_ISynchronizeHandle) {
    *ppv = static_cast<ISynchronizeHandle*>(&s);
  } else if (riid == IID_ICancelMethodCalls) {
    *ppv = static_cast<ICancelMethodCalls*>(&s);
  } else if (riid == IID_IClientSecurity) {
    *ppv = static_cast<IClientSecurity*>(&s);
  } else if (s.async_proxy_ && (riid == s.entry_.async_iid ||
                                (riid == s.entry_.async_base_iid && riid != IID_IUnknown))) {
    *ppv = s.async_proxy_.get();
  } else {
    return E_NOINTERFACE;
  }
  static_cast<IUnknown*>(*ppv)->AddRef();
  return S_OK;
}

ULONG ClientCallObject::Inner::AddRef() { return self_.refs_.fetch_add(1, std::memory_order_relaxed) + 1; }

ULONG ClientCallObject::Inner::Release() {
  const ULONG left = self_.refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (left == 0) delete &self_;
  return left;
}

// --- ISynchronize, ISynchronizeHandle ---------------------------------------------------------------

HRESULT ClientCallObject::Wait(DWORD dwFlags, DWORD dwMilliseconds) {
  // As CoWaitForMultipleHandles on the call's one handle: unknown flags are refused; WAITALL over one
  // handle is the plain wait; an STA always dispatches its calls while it waits (co_initialize.cpp).
  constexpr DWORD kKnownFlags = COWAIT_WAITALL | COWAIT_ALERTABLE | COWAIT_INPUTAVAILABLE | COWAIT_DISPATCH_CALLS |
                                COWAIT_DISPATCH_WINDOW_MESSAGES;
  if ((dwFlags & ~kKnownFlags) != 0) {
    log::warn("com: ISynchronize::Wait on a call object refused: unknown flags {:#x}", dwFlags);
    return E_INVALIDARG;
  }
  auto woke = signal_->wait(deadline_after_ms(dwMilliseconds));
  if (!woke.ok()) return status_to_hresult(woke.status());
  return *woke ? S_OK : RPC_S_CALLPENDING;
}

HRESULT ClientCallObject::Signal() {
  signal_->set();
  return S_OK;
}

HRESULT ClientCallObject::Reset() {
  signal_->reset();
  return S_OK;
}

HRESULT ClientCallObject::GetHandle(HANDLE* ph) {
  if (ph == nullptr) return E_INVALIDARG;
  *ph = nullptr;
  auto handle = signal_->handle();
  if (!handle.ok()) return status_to_hresult(handle.status());
  *ph = *handle;
  return S_OK;
}

// --- ICancelMethodCalls ------------------------------------------------------------------------------

HRESULT ClientCallObject::Cancel(ULONG ulSeconds) {
  std::shared_ptr<AsyncOperation> op;
  {
    std::lock_guard lock(mu_);
    op = op_;
  }
  if (!op) return RPC_E_CALL_COMPLETE;
  return AsyncCallEngine::instance().cancel(op, ulSeconds);
}

HRESULT ClientCallObject::TestCancel() {
  std::shared_ptr<AsyncOperation> op;
  {
    std::lock_guard lock(mu_);
    op = op_;
  }
  if (!op) return RPC_E_CALL_COMPLETE;
  std::lock_guard lock(op->mu);
  if (op->cancel_requested) return RPC_E_CALL_CANCELED;
  return op->completed ? RPC_E_CALL_COMPLETE : RPC_S_CALLPENDING;
}

// --- IClientSecurity ---------------------------------------------------------------------------------

HRESULT ClientCallObject::QueryBlanket(IUnknown*, DWORD* pAuthnSvc, DWORD* pAuthzSvc, OLECHAR** pServerPrincName,
                                       DWORD* pAuthnLevel, DWORD* pImpLevel, void** pAuthInfo, DWORD* pCapabilites) {
  return query_channel_blanket(*manager_->oxid(), channel_.get(), pAuthnSvc, pAuthzSvc, pServerPrincName, pAuthnLevel,
                               pImpLevel, pAuthInfo, pCapabilites);
}

HRESULT ClientCallObject::SetBlanket(IUnknown*, DWORD dwAuthnSvc, DWORD dwAuthzSvc, OLECHAR* pServerPrincName,
                                     DWORD dwAuthnLevel, DWORD dwImpLevel, void* pAuthInfo, DWORD dwCapabilities) {
  return set_channel_blanket(*manager_->oxid(), channel_.get(), dwAuthnSvc, dwAuthzSvc, pServerPrincName,
                             dwAuthnLevel, dwImpLevel, pAuthInfo, dwCapabilities);
}

HRESULT ClientCallObject::CopyProxy(IUnknown* pProxy, IUnknown** ppCopy) {
  // Neither parameter may be NULL ([CSAC] CopyProxy: E_INVALIDARG). A call object is not an interface
  // proxy and holds no proxy manager to duplicate: its interfaces are local to it, and CopyProxy does
  // not copy local interfaces. Make the copy on the interface proxy, then CreateCall on the copy.
  if (ppCopy == nullptr || pProxy == nullptr) {
    if (ppCopy != nullptr) *ppCopy = nullptr;
    return E_INVALIDARG;
  }
  *ppCopy = nullptr;
  return E_NOTIMPL;
}

// --- the AsyncIFoo proxy's channel -------------------------------------------------------------------

HRESULT ClientCallObject::begin(const IID&, std::uint16_t opnum, std::span<const std::byte> stub_in) {
  std::lock_guard lock(mu_);
  if (op_) return RPC_S_CALLPENDING;
  auto request = channel_->build_request(stub_in);
  if (!request.ok()) return status_to_hresult(request.status());
  // R58: who calls is decided now, on the thread calling Begin_, whoever sends the request.
  auto present = channel_->resolve_identity();
  if (!present.ok()) return status_to_hresult(present.status());
  auto op = std::make_shared<AsyncOperation>();
  op->client = &channel_->current_client();
  op->keep_alive = manager_->oxid();
  op->iface = rpc::InterfaceId{channel_->iid(), 0, 0};
  op->opnum = opnum;
  op->object = channel_->ipid();
  op->request = std::move(*request);
  op->present = std::move(*present);
  op->signal = signal_;
  signal_->reset();
  const Status begun = AsyncCallEngine::instance().begin(op);
  if (!begun.ok()) return status_to_hresult(begun);
  op_ = std::move(op);
  return S_OK;
}

HRESULT ClientCallObject::finish(std::uint16_t opnum, std::vector<std::byte>& stub_out) {
  std::shared_ptr<AsyncOperation> op;
  {
    std::lock_guard lock(mu_);
    if (!op_ || op_->opnum != opnum) return RPC_E_CALL_COMPLETE;
    op = op_;
  }
  auto done = op->done.wait(std::nullopt);  // an STA serves its apartment meanwhile
  if (!done.ok()) return status_to_hresult(done.status());
  {
    std::lock_guard lock(mu_);
    if (op_ != op) return RPC_E_CALL_COMPLETE;  // another Finish_ took it
    op_.reset();
  }
  AsyncCallEngine::instance().release(op);
  Status result;
  std::vector<std::byte> reply;
  {
    std::lock_guard lock(op->mu);
    result = std::move(op->result);
    reply = std::move(op->reply);
  }
  if (!result.ok()) return status_to_hresult(result);
  const Status stripped = channel_->strip_orpcthat(reply);
  if (!stripped.ok()) return status_to_hresult(stripped);
  stub_out = std::move(reply);
  return S_OK;
}

}  // namespace guise::com
