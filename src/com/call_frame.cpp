#include "com/call_frame.h"

#include "com/apartment.h"
#include "com/causality.h"
#include "com/random_ids.h"

namespace guise::com {
namespace {
thread_local CallFrame* t_current = nullptr;
}  // namespace

CallFrame::CallFrame(rpc::ServerCall* call, const GUID& causality, PeerKey peer) noexcept
    : call_(call),
      causality_(causality),
      peer_(std::move(peer)),
      previous_(t_current),
      saved_switch_(detail::exchange_switched_context({})),
      apartment_id_(current_apartment() != nullptr ? current_apartment()->id() : 0) {
  t_current = this;
  if (call_ != nullptr) call_->set_causality(causality_);  // the audit names the chain (rpc/audit.h)
}

CallFrame::~CallFrame() {
  t_current = previous_;
  (void)detail::exchange_switched_context(saved_switch_);
  if (context_ != nullptr) {
    context_->call_completed();
    context_->Release();
  }
}

CallFrame* CallFrame::current() noexcept { return t_current; }

ComPtr<IUnknown> CallFrame::context_object() {
  if (context_ == nullptr) context_ = new CallContextObject(call_, apartment_id_);
  return ComPtr<IUnknown>(static_cast<IUnknown*>(context_));
}

ComPtr<CallContextObject> CallFrame::context() {
  if (context_ == nullptr) context_ = new CallContextObject(call_, apartment_id_);
  return ComPtr<CallContextObject>(context_);
}

GUID causality_for_outgoing_call() noexcept {
  if (t_current != nullptr) return t_current->causality();
  // A chain the thread opened itself (CausalityScope), else a new chain per call.
  if (std::optional<GUID> chain = current_causality()) return *chain;
  return fast_random_guid();
}

PeerKey current_peer() { return t_current != nullptr ? t_current->peer() : PeerKey::self(); }

}  // namespace guise::com
