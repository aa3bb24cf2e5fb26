// detail/reply_channel.h: a connection's deferred calls, and the way back to it for their replies.
//
// Owned (shared) by its ServerConnection and by every DeferredReply of that connection, so a reply
// finished after the connection is gone finds the channel closed instead of a freed connection. The
// channel records each deferred call (its request's ids, security context and peer call slot) under
// its mutex; finish() writes the reply through the connection while holding it, and the connection's
// destructor closes the channel under the same mutex, so a connection is never destroyed mid-write.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>

#include "base/status.h"
#include "rpc/deferred_reply.h"
#include "rpc/reassembly.h"
#include "rpc/security_provider.h"
#include "rpc/server.h"

namespace guise::rpc::detail {

class ServerConnection;

class ReplyChannel : public std::enable_shared_from_this<ReplyChannel> {
 public:
  ReplyChannel(ServerConnection& connection, std::atomic<std::uint32_t>& server_deferred,
               std::uint32_t max_server_deferred) noexcept;

  // Records a call whose handler deferred it (dispatch thread). `slot` moves in and is held until the
  // call is finished or the channel closes. Errors: kUnavailable when closed, kInvalidInput for a
  // call_id already deferred, kResourceExhausted (nca_s_server_too_busy) at Limits::max_deferred_calls.
  Result<DeferredReply> defer(const CallMeta& meta, SecurityContext* security, Server::CallSlot& slot,
                              CallAttributes attributes);
  // Writes the call's reply (`failure` null) or fault. kUnavailable when the connection is gone, the
  // call is unknown (already finished, or faulted at stop), or the write failed.
  Status finish(std::uint32_t call_id, std::span<const std::byte> stub, const Status* failure);
  // Deferred calls not finished yet.
  std::size_t pending() const;
  // The client abandoned the call (orphaned PDU): its reply will not be sent. false if not deferred.
  bool orphan(std::uint32_t call_id);
  // The client asked to cancel the call (co_cancel PDU): recorded for cancelled(); the call stays
  // deferred, its reply is still sent when finished. false if not deferred.
  bool cancel(std::uint32_t call_id);
  // Whether the client cancelled `call_id` or no longer waits for it: a co_cancel arrived, or the call
  // is no longer pending unfinished (orphaned, faulted at stop, the connection gone).
  bool cancelled(std::uint32_t call_id) const;
  // The server stops: each pending call gets a fault with `fault_status`, then the channel closes.
  void fault_pending(std::uint32_t fault_status);
  // The connection is being destroyed: pending calls are forgotten (their slots given back) and later
  // finishes fail. Idempotent.
  void close() noexcept;

 private:
  struct Pending {
    CallMeta meta;
    SecurityContext* security = nullptr;  // stable: the connection keeps its contexts in a deque
    Server::CallSlot slot;
    bool cancelled = false;  // a co_cancel arrived for it
  };
  void forget_locked(std::map<std::uint32_t, Pending>::iterator it);

  mutable std::mutex mu_;
  ServerConnection* connection_;                // null once closed; guarded by mu_
  std::map<std::uint32_t, Pending> pending_;    // guarded by mu_
  std::atomic<std::uint32_t>& server_deferred_;  // deferred calls server-wide
  const std::uint32_t max_server_deferred_;
};

}  // namespace guise::rpc::detail
