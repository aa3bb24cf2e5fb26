// reply_channel.cpp: recording deferred calls and writing their replies through their connection.
#include "rpc/detail/reply_channel.h"

#include <sys/socket.h>

#include "base/log.h"
#include "guise/winerror.h"
#include "rpc/detail/server_connection.h"
#include "rpc/fault_status.h"

namespace guise::rpc::detail {

namespace {
Status disconnected(std::string what) {
  return Status(StatusCode::kUnavailable, std::move(what), RPC_E_DISCONNECTED);
}
}  // namespace

ReplyChannel::ReplyChannel(ServerConnection& connection, std::atomic<std::uint32_t>& server_deferred,
                           std::uint32_t max_server_deferred) noexcept
    : connection_(&connection), server_deferred_(server_deferred), max_server_deferred_(max_server_deferred) {}

Result<DeferredReply> ReplyChannel::defer(const CallMeta& meta, SecurityContext* security, Server::CallSlot& slot,
                                          CallAttributes attributes) {
  std::lock_guard lock(mu_);
  if (connection_ == nullptr) return disconnected("the connection is gone");
  if (pending_.contains(meta.call_id)) return invalid_input("a call with this call_id is already deferred");
  std::uint32_t n = server_deferred_.load(std::memory_order_relaxed);
  do {
    if (n >= max_server_deferred_) {
      return Status(StatusCode::kResourceExhausted, "the server holds Limits::max_deferred_calls deferred calls",
                    static_cast<HRESULT>(kNcaServerTooBusy));
    }
  } while (!server_deferred_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  slot.release_handler();  // the serving thread goes back to the pool; the peer's call slot stays taken
  pending_.emplace(meta.call_id, Pending{meta, security, std::move(slot)});
  connection_->deferred_calls_changed(pending_.size());
  return DeferredReply(shared_from_this(), meta.call_id, std::move(attributes));
}

void ReplyChannel::forget_locked(std::map<std::uint32_t, Pending>::iterator it) {
  pending_.erase(it);  // gives the peer's call slot back
  server_deferred_.fetch_sub(1, std::memory_order_relaxed);
}

Status ReplyChannel::finish(std::uint32_t call_id, std::span<const std::byte> stub, const Status* failure) {
  std::lock_guard lock(mu_);
  if (connection_ == nullptr) return disconnected("the connection is gone");
  auto it = pending_.find(call_id);
  if (it == pending_.end()) return disconnected("the call is no longer waiting for its reply");
  const CallMeta meta = it->second.meta;
  SecurityContext* security = it->second.security;
  forget_locked(it);
  connection_->deferred_calls_changed(pending_.size());
  ServerConnection::Outcome outcome;
  if (failure != nullptr) {
    outcome = connection_->send_fault(meta.call_id, meta.context_id, status_to_fault_status(*failure), false);
  } else {
    const auto deadline = std::chrono::steady_clock::now() + connection_->server_.limits().write_timeout;
    outcome = connection_->send_response(meta, stub, security, deadline);
  }
  if (outcome == ServerConnection::Outcome::kClose) {
    // Not the serving thread: wake it instead, its next read sees the end and closes the association.
    ::shutdown(connection_->fd(), SHUT_RDWR);
    return disconnected("the reply could not be delivered");
  }
  return Status::Ok();
}

std::size_t ReplyChannel::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

bool ReplyChannel::orphan(std::uint32_t call_id) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(call_id);
  if (it == pending_.end()) return false;
  forget_locked(it);
  if (connection_ != nullptr) connection_->deferred_calls_changed(pending_.size());
  return true;
}

bool ReplyChannel::cancel(std::uint32_t call_id) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(call_id);
  if (it == pending_.end()) return false;
  it->second.cancelled = true;
  return true;
}

bool ReplyChannel::cancelled(std::uint32_t call_id) const {
  std::lock_guard lock(mu_);
  if (connection_ == nullptr) return true;
  auto it = pending_.find(call_id);
  return it == pending_.end() || it->second.cancelled;
}

void ReplyChannel::fault_pending(std::uint32_t fault_status) {
  std::lock_guard lock(mu_);
  if (connection_ == nullptr || pending_.empty()) return;
  log::info("rpc: {}: the server stops; {} deferred call(s) fault with {}", connection_->peer().description,
            pending_.size(), fault_status_name(fault_status));
  while (!pending_.empty()) {
    auto it = pending_.begin();
    (void)connection_->send_fault(it->second.meta.call_id, it->second.meta.context_id, fault_status, false);
    forget_locked(it);
  }
  connection_->deferred_calls_changed(0);
}

void ReplyChannel::close() noexcept {
  std::lock_guard lock(mu_);
  connection_ = nullptr;
  while (!pending_.empty()) forget_locked(pending_.begin());
}

}  // namespace guise::rpc::detail
