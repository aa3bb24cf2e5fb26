// server_call.cpp: per-call attributes and impersonation through the identity layer.
#include "rpc/server_call.h"

#include "base/log.h"
#include "rpc/audit.h"
#include "rpc/deferred_reply.h"
#include "guise/winerror.h"

namespace guise::rpc {
namespace {
thread_local ServerCall* t_current_call = nullptr;
}

ServerCall::ServerCall(CallAttributes attributes)
    : attributes_(std::move(attributes)), dispatch_thread_(std::this_thread::get_id()) {}

ServerCall::~ServerCall() {
  if (impersonation_ && std::this_thread::get_id() == dispatch_thread_) {
    impersonation_.reset();
    if (audit::wanted(audit::Event::kAutoRevert)) [[unlikely]] {
      audit::record(audit::Event::kAutoRevert, attributes_, causality_);
    }
  }
}

Status ServerCall::impersonate_client() {
  if (std::this_thread::get_id() != dispatch_thread_) {
    return Status(StatusCode::kFailedPrecondition, "impersonate_client from a thread not serving the call",
                  RPC_E_WRONG_THREAD);
  }
  if (!attributes_.caller || attributes_.authn_level == AuthnLevel::kNone) {
    return Status(StatusCode::kFailedPrecondition, "impersonation needs an authenticated call (level NONE)",
                  RPC_E_UNSECURE_CALL);
  }
  // Impersonation does not nest (R19): end the previous one, then take on the caller again.
  impersonation_.reset();
  auto scope = identity::impersonate(*attributes_.caller);
  if (!scope.ok()) {
    log::warn("rpc: impersonating {} for opnum {} refused: {}", attributes_.caller->principal_name(),
              attributes_.opnum, scope.status().to_string());
    if (audit::wanted(audit::Event::kImpersonateRefused)) [[unlikely]] {
      audit::record(audit::Event::kImpersonateRefused, attributes_, causality_, &scope.status());
    }
    return std::move(scope).status();
  }
  impersonation_.emplace(std::move(scope).value());
  if (audit::wanted(audit::Event::kImpersonate)) [[unlikely]] {
    audit::record(audit::Event::kImpersonate, attributes_, causality_);
  }
  return Status::Ok();
}

void ServerCall::revert_to_self() noexcept {
  // The scope aborts if ended on another thread; only the dispatch thread may end it.
  if (impersonation_ && std::this_thread::get_id() == dispatch_thread_) {
    impersonation_.reset();
    if (audit::wanted(audit::Event::kRevert)) [[unlikely]] {
      audit::record(audit::Event::kRevert, attributes_, causality_);
    }
  }
}

Result<DeferredReply> ServerCall::defer() {
  if (std::this_thread::get_id() != dispatch_thread_) {
    return Status(StatusCode::kFailedPrecondition, "defer from a thread not serving the call", RPC_E_WRONG_THREAD);
  }
  if (deferred_) return failed_precondition("the call is already deferred");
  if (deferral_ == nullptr) return failed_precondition("this call cannot be deferred");
  GUISE_TRY(DeferredReply reply, deferral_->defer_call(attributes_));
  deferred_ = true;
  return reply;
}

ServerCall* current_call() noexcept { return t_current_call; }

Status impersonate_client() {
  if (t_current_call == nullptr) {
    return Status(StatusCode::kFailedPrecondition, "no call in progress on this thread", RPC_E_CALL_COMPLETE);
  }
  return t_current_call->impersonate_client();
}

Status revert_to_self() {
  if (t_current_call == nullptr) {
    return Status(StatusCode::kFailedPrecondition, "no call in progress on this thread", RPC_E_CALL_COMPLETE);
  }
  t_current_call->revert_to_self();
  return Status::Ok();
}

namespace detail {
CurrentCallScope::CurrentCallScope(ServerCall* call) noexcept : previous_(t_current_call) {
  t_current_call = call;
}
CurrentCallScope::~CurrentCallScope() { t_current_call = previous_; }
}  // namespace detail

}  // namespace guise::rpc
