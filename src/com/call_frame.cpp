#include "com/call_frame.h"

#include "com/causality.h"
#include "com/random_ids.h"

namespace guise::com {
namespace {
thread_local CallFrame* t_current = nullptr;
}  // namespace

HRESULT CallContextObject::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  if (riid == IID_IUnknown) {
    *ppv = static_cast<IUnknown*>(this);
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

CallFrame::CallFrame(rpc::ServerCall* call, const GUID& causality, PeerKey peer) noexcept
    : call_(call), causality_(causality), peer_(std::move(peer)), previous_(t_current) {
  t_current = this;
}

CallFrame::~CallFrame() {
  t_current = previous_;
  if (context_ != nullptr) {
    context_->call_completed();
    context_->Release();
  }
}

CallFrame* CallFrame::current() noexcept { return t_current; }

ComPtr<IUnknown> CallFrame::context_object() {
  if (context_ == nullptr) context_ = new CallContextObject(call_);
  return ComPtr<IUnknown>(static_cast<IUnknown*>(context_));
}

GUID causality_for_outgoing_call() noexcept {
  if (t_current != nullptr) return t_current->causality();
  // A chain the thread opened itself (CausalityScope), else a new chain per call.
  if (std::optional<GUID> chain = current_causality()) return *chain;
  return fast_random_guid();
}

PeerKey current_peer() { return t_current != nullptr ? t_current->peer() : PeerKey::self(); }

}  // namespace guise::com
