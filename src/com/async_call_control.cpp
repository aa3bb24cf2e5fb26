// async_call_control.cpp: the server call's control object — completion (Begin_ returned and Signal),
// Finish_ and the one reply, cancellation queries.
#include "com/async_call_control.h"

#include <chrono>
#include <exception>

#include "base/log.h"
#include "com/apartment.h"
#include "com/call_frame.h"
#include "com/orpc_headers.h"
#include "guise/synchapi.h"
#include "identity/impersonation.h"
#include "ndr/async_stub_state.h"

namespace guise::com {

ComPtr<AsyncCallControl> AsyncCallControl::create(Call call) {
  ComPtr<AsyncCallControl> out;
  out.Attach(new AsyncCallControl(std::move(call)));
  return out;
}

AsyncCallControl::AsyncCallControl(Call call) noexcept : call_(std::move(call)) {}

AsyncCallControl::~AsyncCallControl() {
  if (reply_ && !reply_->finished()) {
    log::warn("orpc: {} method {}: the server's call object was released without ISynchronize::Signal; the "
              "call faults",
              call_.entry->name, call_.opnum);
    (void)reply_->fail(Status(StatusCode::kInternal, "async call released without Signal", RPC_E_SERVERFAULT));
  }
  // What a generated invoke_begin kept for a Finish_ that was never driven (ndr/async_stub_state.h).
  if (async_ != nullptr) ndr::AsyncStubState::forget(async_);
  if (inner_ != nullptr) {
    // Aggregation: the inner object may AddRef/Release its outer while it goes; keep this one far
    // from zero meanwhile (the destructor already runs).
    refs_.store(ULONG{1} << 30, std::memory_order_relaxed);
    IUnknown* inner = inner_;
    inner_ = nullptr;
    async_ = nullptr;
    inner->Release();
  }
}

HRESULT AsyncCallControl::QueryInterface(REFIID riid, void** ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  if (riid == IID_IUnknown || riid == IID_ISynchronize) {
    *ppv = static_cast<ISynchronize*>(this);
  } else if (riid == IID_ICancelMethodCalls) {
    *ppv = static_cast<ICancelMethodCalls*>(this);
  } else if (inner_ != nullptr) {
    // inner_ is set once, before the server sees this object through anything but CreateCall.
    return inner_->QueryInterface(riid, ppv);
  } else {
    return E_NOINTERFACE;
  }
  AddRef();
  return S_OK;
}

ULONG AsyncCallControl::Release() {
  const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (left == 0) delete this;
  return left;
}

IUnknown* AsyncCallControl::attach(IUnknown* inner, rpc::DeferredReply reply, ComPtr<CallContextObject> context) {
  inner_ = inner;
  {
    std::lock_guard lock(mu_);
    reply_.emplace(std::move(reply));
    context_ = std::move(context);
  }
  void* async = nullptr;
  if (FAILED(inner_->QueryInterface(call_.entry->async_iid, &async)) || async == nullptr) return nullptr;
  // The reference went to this (outer) object; keeping it would be a cycle. The interface lives as
  // long as inner_, which this object holds.
  async_ = static_cast<IUnknown*>(async);
  async_->Release();
  return async_;
}

void AsyncCallControl::begin_returned(const Status& begin, HRESULT begin_hr) {
  std::optional<rpc::DeferredReply> failed;
  bool ready = false;
  Status failure = begin;
  if (begin.ok() && FAILED(begin_hr)) failure = Status(StatusCode::kInternal, "Begin_ failed", begin_hr);
  {
    std::lock_guard lock(mu_);
    begin_returned_ = true;
    context_ = nullptr;  // the call's scope ended; the CallFrame made it dead (R4)
    if (!failure.ok()) {
      begin_failed_ = true;
      failed = std::move(reply_);
      reply_.reset();
    } else {
      ready = signalled_;
    }
  }
  if (failed) {
    log::debug("orpc: {} Begin_ of method {} failed: {}", call_.entry->name, call_.opnum, failure.to_string());
    const Status sent = failed->fail(failure);
    if (!sent.ok()) log::debug("orpc: the fault of an asynchronous call was not sent: {}", sent.to_string());
    return;
  }
  if (ready) run_finish();  // on Begin_'s own thread, in the object's apartment
}

HRESULT AsyncCallControl::Signal() {
  bool ready = false;
  {
    std::lock_guard lock(mu_);
    if (signalled_) return RPC_E_CALL_COMPLETE;
    signalled_ = true;
    // Before Signal returns: no new impersonation through this call from now on (R60).
    if (context_) context_->call_signalled();
    ready = begin_returned_ && !begin_failed_;
  }
  signalled_cv_.notify_all();
  if (ready) schedule_finish();
  return S_OK;
}

HRESULT AsyncCallControl::Wait(DWORD /*dwFlags*/, DWORD dwMilliseconds) {
  std::unique_lock lock(mu_);
  if (dwMilliseconds == INFINITE) {
    signalled_cv_.wait(lock, [&] { return signalled_; });
    return S_OK;
  }
  return signalled_cv_.wait_for(lock, std::chrono::milliseconds(dwMilliseconds), [&] { return signalled_; })
             ? S_OK
             : RPC_S_CALLPENDING;
}

HRESULT AsyncCallControl::Reset() {
  std::lock_guard lock(mu_);
  return signalled_ ? RPC_E_CALL_COMPLETE : S_OK;
}

HRESULT AsyncCallControl::Cancel(ULONG /*ulSeconds*/) { return E_NOTIMPL; }

HRESULT AsyncCallControl::TestCancel() {
  std::lock_guard lock(mu_);
  if (signalled_ || begin_failed_) return RPC_E_CALL_COMPLETE;
  if (reply_ && reply_->cancelled()) return RPC_E_CALL_CANCELED;
  return RPC_S_CALLPENDING;
}

void AsyncCallControl::schedule_finish() {
  if (call_.sta && !call_.sta->is_current()) {
    // Finish_ belongs to the object's apartment; the STA runs it the next time it waits in COM.
    ComPtr<AsyncCallControl> self(this);
    const Status posted = call_.sta->post([self] { self->run_finish(); });
    if (posted.ok()) return;
    log::debug("orpc: STA {} refused the Finish_ of an asynchronous call: {}", call_.sta->id(), posted.to_string());
    std::optional<rpc::DeferredReply> reply;
    {
      std::lock_guard lock(mu_);
      reply = std::move(reply_);
      reply_.reset();
    }
    if (reply) (void)reply->fail(Status(StatusCode::kUnavailable, "com: the object's apartment closed", RPC_E_DISCONNECTED));
    return;
  }
  run_finish();
}

void AsyncCallControl::run_finish() {
  std::optional<rpc::DeferredReply> reply;
  {
    std::lock_guard lock(mu_);
    reply = std::move(reply_);
    reply_.reset();
  }
  if (!reply || reply->finished()) return;
  // Finish_ runs as the process whichever thread signalled (a helper may impersonate), and the
  // thread's own identity is restored after.
  std::optional<identity::ProcessIdentityScope> as_process;
  if (identity::is_impersonating()) as_process.emplace();
  ndr::Writer writer;
  Status status;
  if (async_ == nullptr) {
    status = Status(StatusCode::kInternal, "orpc: the call object has no asynchronous interface", RPC_E_SERVERFAULT);
  } else {
    put_orpcthat(writer, {});
    ndr::CallContext ctx;
    ctx.interfaces = call_.marshaler;
    ctx.limits = call_.limits;
    ctx.byte_order = call_.order;
    // No call context during Finish_ (the call is complete from COM's view), but the call's causality
    // and peer for what its [out] parameters marshal.
    CallFrame frame(nullptr, call_.causality, call_.peer);
    try {
      status = call_.entry->invoke_finish(async_, call_.opnum, writer, ctx);
    } catch (const std::exception& e) {
      log::warn("orpc: {} Finish_ of method {} threw: {}", call_.entry->name, call_.opnum, e.what());
      status = Status(StatusCode::kInternal, "orpc: Finish_ threw", RPC_E_SERVERFAULT);
    } catch (...) {
      log::warn("orpc: {} Finish_ of method {} threw a non-exception", call_.entry->name, call_.opnum);
      status = Status(StatusCode::kInternal, "orpc: Finish_ threw", RPC_E_SERVERFAULT);
    }
  }
  const Status sent = status.ok() ? reply->reply(writer.bytes()) : reply->fail(status);
  if (!sent.ok()) log::debug("orpc: the reply of an asynchronous call was not sent: {}", sent.to_string());
}

}  // namespace guise::com
