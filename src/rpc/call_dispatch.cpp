// call_dispatch.cpp: running one call on the thread that read it (DESIGN decisions 5 and 6).
//
// Order matters and is the security argument: (1) enter ProcessIdentityScope — the call starts as the
// process whatever the thread carried; (2) run the handler inside a ServerCall, which may impersonate
// the caller; (3) leave the ServerCall (reverting any impersonation the handler forgot), then the
// ProcessIdentityScope (restoring and verifying the thread's ids against the kernel, aborting on a
// mismatch); (4) only then write the reply and go back to waiting on sockets.
//
// Before (1), the call takes a slot: one of its peer's max_calls_per_peer and one of the server's
// handler slots (all threads but one), or it is refused with nca_s_server_too_busy without running;
// and since the handler may block, the thread makes sure another one watches the reactor.
// A handler's exception becomes a fault; a forced unwind (pthread_exit, cancellation) is not an
// exception to catch — it passes, ending the thread; the server closes the association.
#include <cxxabi.h>

#include <exception>

#include "base/log.h"
#include "identity/impersonation.h"
#include "rpc/deferred_reply.h"
#include "rpc/detail/reply_channel.h"
#include "rpc/detail/server_connection.h"
#include "rpc/fault_status.h"
#include "rpc/server.h"
#include "rpc/server_call.h"

namespace guise::rpc::detail {
namespace {
// Reused reply buffer: after the first calls, replies cost no allocation.
thread_local std::vector<std::byte> t_reply_buffer;

// A handler's exception becomes a fault. A forced unwind (pthread_exit, cancellation) is not an
// exception to handle: it is rethrown so the thread ends, every scope reverting on the way out
// (swallowing it makes the runtime abort the process). It has no exception object, so its catch
// parameter refers to nothing by design: UBSan's null-reference check is off for this function only.
__attribute__((no_sanitize("null"))) Status run_handler(const InterfaceRegistration& iface, std::uint16_t opnum,
                                                        ServerCall& call, std::span<const std::byte> stub,
                                                        std::vector<std::byte>& reply, const std::string& peer) {
  try {
    return iface.ops[opnum](call, stub, reply);
  } catch (const abi::__forced_unwind&) {
    throw;
  } catch (const std::exception& e) {
    log::warn("rpc: {}: {} opnum {} threw: {}", peer, iface.name, opnum, e.what());
  } catch (...) {
    log::warn("rpc: {}: {} opnum {} threw a non-exception", peer, iface.name, opnum);
  }
  return Status(StatusCode::kInternal, "handler threw", static_cast<HRESULT>(kNcaFaultUnspec));
}

}  // namespace

ServerConnection::Outcome ServerConnection::dispatch(const CallMeta& meta, std::span<const std::byte> stub) {
  const InterfaceRegistration* iface = contexts_.at(meta.context_id);
  if (meta.opnum >= iface->ops.size() || !iface->ops[meta.opnum]) {
    log::warn("rpc: {}: opnum {} of {} does not exist", peer_.description, meta.opnum, iface->name);
    return send_fault(meta.call_id, meta.context_id, kNcaOpRangeError, true);
  }
  auto slot = server_.begin_call(admission_.account());
  if (auto* refused = std::get_if<Server::Busy>(&slot)) {
    std::uint64_t suppressed = 0;
    if (server_.busy_log().allow(suppressed)) {
      log::warn("rpc: {}: call {} refused: {}{}", peer_.description, meta.call_id,
                *refused == Server::Busy::kPeer
                    ? "the peer already runs " + std::to_string(server_.budget().max_calls_per_peer) + " calls"
                    : std::string("every serving thread but one runs a handler"),
                suppressed ? " (" + std::to_string(suppressed) + " more since the last line)" : std::string());
    }
    return send_fault(meta.call_id, meta.context_id, kNcaServerTooBusy, true);
  }
  server_.ensure_reactor_watched();
  Server::CallSlot& call_slot = std::get<Server::CallSlot>(slot);
  SecurityContext* security = security_for(meta.auth_context_id);
  CallAttributes attributes;
  attributes.interface_id = iface->id;
  attributes.opnum = meta.opnum;
  attributes.object = meta.object;
  attributes.call_id = meta.call_id;
  attributes.transport = peer_.kind;
  attributes.drep = meta.drep;
  if (peer_.credentials) {
    attributes.client_pid = peer_.credentials->pid;
    attributes.client_pidfd = peer_.credentials->pidfd;
  }
  if (security != nullptr) {
    attributes.authn_level = security->level;
    attributes.authn_service = security->authn_service;
    attributes.imp_level = security->imp_level;
    attributes.capabilities = security->capabilities;
    attributes.caller = security->caller;
  }

  std::vector<std::byte> reply = std::move(t_reply_buffer);
  reply.clear();
  Status status;
  bool deferred = false;
  {
    identity::ProcessIdentityScope as_process(identity::kCallScope);
    ServerCall call(std::move(attributes));
    CurrentCallScope current(&call);
    // A handler may hand its reply to another thread (ServerCall::defer, deferred_reply.h); the call
    // slot then moves to the connection's ReplyChannel until that thread answers.
    struct Deferral final : DeferralSource {
      ServerConnection& connection;
      const CallMeta& meta;
      SecurityContext* security;
      Server::CallSlot& slot;
      Deferral(ServerConnection& c, const CallMeta& m, SecurityContext* s, Server::CallSlot& cs)
          : connection(c), meta(m), security(s), slot(cs) {}
      Result<DeferredReply> defer_call(const CallAttributes& a) override {
        return connection.replies().defer(meta, security, slot, a);
      }
    } deferral(*this, meta, security, call_slot);
    call.set_deferral(&deferral);
    status = run_handler(*iface, meta.opnum, call, stub, reply, peer_.description);
    deferred = call.deferred();
  }  // impersonation reverted, process identity restored and verified — before the reply leaves
  if (deferred) {
    // Answered later by whoever holds the DeferredReply; this thread goes back to serving.
    if (reply.capacity() <= (std::size_t{1} << 20)) t_reply_buffer = std::move(reply);
    identity::settle_dumpable_flag();
    return Outcome::kKeep;
  }

  Outcome outcome;
  // The reply's deadline starts with the reply, whoever writes it.
  const auto deadline = std::chrono::steady_clock::now() + server_.limits().write_timeout;
  if (status.ok()) {
    outcome = send_response(meta, reply, security, deadline);
  } else {
    log::debug("rpc: {}: {} opnum {} failed: {}", peer_.description, iface->name, meta.opnum, status.to_string());
    outcome = send_fault(meta.call_id, meta.context_id, status_to_fault_status(status), false);
  }
  if (reply.capacity() <= (std::size_t{1} << 20)) t_reply_buffer = std::move(reply);  // keep small ones
  identity::settle_dumpable_flag();  // owed by an impersonation in the call, restored once the reply left
  return outcome;
}

}  // namespace guise::rpc::detail
