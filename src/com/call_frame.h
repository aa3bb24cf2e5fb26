// call_frame.h: the per-call state of one dispatched ORPC call, current on its thread for exactly
// the duration of the call.
//
// The dispatcher makes a CallFrame on the stack of the thread that runs the call, after the RPC
// layer has entered the call's ProcessIdentityScope (DESIGN decision 5). Constructing it saves the
// thread's current frame and installs this one; destroying it restores exactly the saved one — spec
// R8's save/restore, so after a nested call (an STA serving an incoming call while it waits) the
// outer call's frame is current again. It carries what later layers need: the rpc::ServerCall
// (attributes, the attested caller, impersonation), the causality id from ORPCTHIS (outgoing calls
// made during this call reuse it), and the peer key for per-peer bounds.
//
// context_object() is the COM object CoGetCallContext hands out (IServerSecurity over server_call(),
// call_context.h). It is created on first request only, so a call that never asks for it costs no
// allocation; it may outlive the call (spec R4) and learns through call_completed() that its call is
// over. The frame also saves and clears the thread's CoSwitchCallContext state, restoring it on exit.
// Thread-safety: a frame belongs to its thread; the context object is reference-counted atomically.
#pragma once

#include <atomic>
#include <optional>

#include "com/call_context.h"
#include "com/peer.h"
#include "guise/com_ptr.h"
#include "guise/unknwn.h"
#include "rpc/server_call.h"

namespace guise::com {

class CallFrame {
 public:
  CallFrame(rpc::ServerCall* call, const GUID& causality, PeerKey peer) noexcept;
  ~CallFrame();
  CallFrame(const CallFrame&) = delete;
  CallFrame& operator=(const CallFrame&) = delete;

  // The frame of the call the calling thread is serving, or nullptr.
  static CallFrame* current() noexcept;

  rpc::ServerCall* server_call() const noexcept { return call_; }
  const GUID& causality() const noexcept { return causality_; }
  const PeerKey& peer() const noexcept { return peer_; }

  // CoGetCallContext's object for this call (created on first use), with a new reference.
  ComPtr<IUnknown> context_object();
  // The same object as the runtime acts on it (an asynchronous call marks it signalled), with a new
  // reference.
  ComPtr<CallContextObject> context();

 private:
  rpc::ServerCall* call_;
  GUID causality_;
  PeerKey peer_;
  CallFrame* previous_;
  detail::SwitchedContext saved_switch_;
  std::uint64_t apartment_id_;
  CallContextObject* context_ = nullptr;  // holds one reference while the call runs
};

// The causality id an outgoing call made on this thread carries: the current call's (nested calls
// keep the chain, MS-DCOM §3.2.4.2), else the thread's own CausalityScope's, else a fresh one.
GUID causality_for_outgoing_call() noexcept;

// The peer whose call the calling thread is serving, or PeerKey::self().
PeerKey current_peer();

}  // namespace guise::com
