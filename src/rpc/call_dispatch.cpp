// call_dispatch.cpp: running one call on the thread that read it (DESIGN decisions 5 and 6).
//
// Order matters and is the security argument: (1) enter ProcessIdentityScope — the call starts as the
// process whatever the thread carried; (2) run the handler inside a ServerCall, which may impersonate
// the caller; (3) leave the ServerCall (reverting any impersonation the handler forgot), then the
// ProcessIdentityScope (restoring and verifying the thread's ids against the kernel, aborting on a
// mismatch); (4) only then write the reply and go back to waiting on sockets.
#include <exception>

#include "base/log.h"
#include "identity/impersonation.h"
#include "rpc/detail/server_connection.h"
#include "rpc/fault_status.h"
#include "rpc/server.h"
#include "rpc/server_call.h"

namespace guise::rpc::detail {
namespace {
// Reused reply buffer: after the first calls, replies cost no allocation.
thread_local std::vector<std::byte> t_reply_buffer;
}  // namespace

ServerConnection::Outcome ServerConnection::dispatch(const CallMeta& meta, std::span<const std::byte> stub) {
  const InterfaceRegistration* iface = contexts_.at(meta.context_id);
  if (meta.opnum >= iface->ops.size() || !iface->ops[meta.opnum]) {
    log::warn("rpc: {}: opnum {} of {} does not exist", peer_.description, meta.opnum, iface->name);
    return send_fault(meta.call_id, meta.context_id, kNcaOpRangeError, true);
  }
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
  {
    identity::ProcessIdentityScope as_process;
    ServerCall call(std::move(attributes));
    CurrentCallScope current(&call);
    try {
      status = iface->ops[meta.opnum](call, stub, reply);
    } catch (const std::exception& e) {
      log::warn("rpc: {}: {} opnum {} threw: {}", peer_.description, iface->name, meta.opnum, e.what());
      status = Status(StatusCode::kInternal, "handler threw", static_cast<HRESULT>(kNcaFaultUnspec));
    } catch (...) {
      log::warn("rpc: {}: {} opnum {} threw a non-exception", peer_.description, iface->name, meta.opnum);
      status = Status(StatusCode::kInternal, "handler threw", static_cast<HRESULT>(kNcaFaultUnspec));
    }
  }  // impersonation reverted, process identity restored and verified — before the reply leaves

  Outcome outcome;
  if (status.ok()) {
    outcome = send_response(meta, reply, security);
  } else {
    log::debug("rpc: {}: {} opnum {} failed: {}", peer_.description, iface->name, meta.opnum, status.to_string());
    outcome = send_fault(meta.call_id, meta.context_id, status_to_fault_status(status), false);
  }
  if (reply.capacity() <= (std::size_t{1} << 20)) t_reply_buffer = std::move(reply);  // keep small ones
  return outcome;
}

}  // namespace guise::rpc::detail
