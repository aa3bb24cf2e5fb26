// deferred_reply.h: a call whose reply is written later, from another thread (the STA hand-off).
//
// A handler that cannot answer on the thread that read the request — COM hands a call for an STA
// object to that STA's thread (DESIGN decision 6) — calls ServerCall::defer(), keeps the returned
// DeferredReply, copies the request stub it still needs (the `in` span dies with the handler) and
// returns. The serving thread then writes nothing for the call and goes back to serving: the
// connection keeps reading and answering other requests meanwhile. Later, any thread finishes the call
// exactly once: reply(stub) writes the response, fail(status) a fault (the same mapping as a handler's
// Status). Guarantees:
//  - Replies on one connection are written one whole reply at a time (the connection's write lock),
//    within Limits::write_timeout from their first byte, whichever thread writes them.
//  - The reply is written at the process identity: a thread that impersonates when it finishes the
//    call is switched to the process for the write and back (identity::ProcessIdentityScope).
//  - A deferred call keeps one of its peer's call slots until it is finished (Limits::max_calls_per_peer
//    bounds deferred calls like running ones), but no serving thread; Limits::max_deferred_calls bounds
//    them server-wide.
//  - If the connection is gone (the client died or closed, the server reaped or closed it),
//    reply/fail send nothing and return kUnavailable carrying RPC_E_DISCONNECTED. Server::stop()
//    faults every unfinished deferred call with RPC_S_CALL_FAILED before it closes the connections.
//  - A co_cancel for a deferred call is recorded, not acted on: cancelled() reports it (and an orphaned
//    or disconnected call) to whoever finishes the call, which decides when to answer.
//  - A DeferredReply destroyed unfinished faults its call (nca_s_fault_unspec: RPC_E_SERVERFAULT at
//    the client), so a dropped call never leaves its client waiting.
// attributes() are the call's (caller token included), for a ServerCall made on the finishing thread
// (impersonation there is that thread's). Thread-safety: move-only; finish from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "base/status.h"
#include "rpc/server_call.h"

namespace guise::rpc {

namespace detail {
class ReplyChannel;
}

class DeferredReply {
 public:
  DeferredReply(DeferredReply&& other) noexcept;
  DeferredReply& operator=(DeferredReply&& other) noexcept;
  DeferredReply(const DeferredReply&) = delete;
  DeferredReply& operator=(const DeferredReply&) = delete;
  ~DeferredReply();

  // Writes the response. Errors: kUnavailable (RPC_E_DISCONNECTED) when the connection is gone or the
  // write failed (the connection is then closed); kFailedPrecondition when already finished.
  [[nodiscard]] Status reply(std::span<const std::byte> stub);
  // Writes a fault for `status` (status_to_fault_status). Errors as reply().
  [[nodiscard]] Status fail(const Status& status);
  bool finished() const noexcept { return channel_ == nullptr; }
  // Whether the client cancelled the call while it waits (co_cancel, MS-RPCE §3.3.1.5.9) or gave it
  // up (orphaned, the connection closed, the server stopping): the ICancelMethodCalls::TestCancel
  // answer of a deferred COM call. A cancel does not finish the call; the handler still answers (its
  // reply is dropped when nobody waits). false once finished.
  bool cancelled() const;
  const CallAttributes& attributes() const noexcept { return attributes_; }

 private:
  friend class detail::ReplyChannel;
  DeferredReply(std::shared_ptr<detail::ReplyChannel> channel, std::uint32_t call_id, CallAttributes attributes) noexcept;
  Status finish(std::span<const std::byte> stub, const Status* failure);

  std::shared_ptr<detail::ReplyChannel> channel_;  // null once finished
  std::uint32_t call_id_ = 0;
  CallAttributes attributes_;
};

}  // namespace guise::rpc
