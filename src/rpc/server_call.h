// server_call.h: one incoming call as its handler sees it — attributes and impersonation.
//
// CallAttributes is the RpcServerInqCallAttributes analogue: interface, opnum, object UUID, transport,
// the authentication level and service, the impersonation level the client granted, and the caller's
// Token. The token comes from the association's security context (for ncalrpc: the kernel's
// SO_PEERCRED/SO_PEERGROUPS at accept) and is at the granted level; at level NONE there is none.
//
// impersonate_client() / revert_to_self() are the RpcImpersonateClient / RpcRevertToSelf analogues:
// the calling (dispatch) thread takes on the caller's kernel identity through identity::impersonate,
// capped at the granted level (identify → the unprivileged identity; spec §4 L1). A second impersonate
// replaces the first (R19); one revert undoes all (R20); a call that ends while impersonating is
// reverted by the runtime before its reply is sent (R21), and the per-call ProcessIdentityScope then
// verifies the thread is the process again (DESIGN decision 5). Errors: RPC_E_UNSECURE_CALL at level
// NONE (R18), CO_E_FAILEDTOIMPERSONATE when the kernel refuses (R27), RPC_E_WRONG_THREAD from a thread
// other than the one serving the call. Thread-safety: a ServerCall belongs to its dispatch thread.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>

#include "base/status.h"
#include "base/unique_fd.h"
#include "identity/impersonation.h"
#include "identity/token.h"
#include "rpc/interface_registry.h"
#include "rpc/security_provider.h"

namespace guise::rpc {

struct CallAttributes {
  InterfaceId interface_id;
  std::uint16_t opnum = 0;
  std::optional<GUID> object;
  std::uint32_t call_id = 0;
  TransportKind transport = TransportKind::kLocal;
  AuthnLevel authn_level = AuthnLevel::kNone;
  std::uint32_t authn_service = kAuthnServiceNone;
  std::optional<identity::ImpersonationLevel> imp_level;  // nullopt at level NONE
  std::uint32_t capabilities = 0;
  std::optional<identity::Token> caller;                   // nullopt at level NONE
  std::optional<pid_t> client_pid;                         // kernel-attested (ncalrpc), informational
  // SO_PEERPIDFD captured at accept (ncalrpc, Linux ≥ 6.5; null otherwise): names the client process
  // for as long as it is held, even after it exits and its pid is reused. Act on the client through
  // this (pidfd_send_signal, /proc/self/fdinfo), never through client_pid.
  std::shared_ptr<const UniqueFd> client_pidfd;
  // The request's NDR data representation label (packed_drep, C706 §14.1), for stub decoders
  // (ndr::byte_order_from_drep). pdu_header.cpp refuses all but little-endian ASCII IEEE, so today a
  // dispatched call always carries 10 00 00 00; stubs must still honour it.
  std::array<std::uint8_t, 4> drep = {kDrepLittleEndianAscii, kDrepIeeeFloat, 0, 0};
};

class DeferredReply;
class ServerCall;

namespace detail {
// What lets a handler defer its call (deferred_reply.h): the dispatcher sets one for the handler's run.
class DeferralSource {
 public:
  virtual Result<DeferredReply> defer_call(const CallAttributes& attributes) = 0;

 protected:
  ~DeferralSource() = default;
};
}  // namespace detail

class ServerCall {
 public:
  explicit ServerCall(CallAttributes attributes);
  ServerCall(const ServerCall&) = delete;
  ServerCall& operator=(const ServerCall&) = delete;
  ~ServerCall();  // reverts an impersonation the handler left behind

  const CallAttributes& attributes() const noexcept { return attributes_; }

  [[nodiscard]] Status impersonate_client();
  void revert_to_self() noexcept;
  bool is_impersonating() const noexcept { return impersonation_.has_value(); }
  // The COM causality id of this call (ORPCTHIS.cid), for the audit (audit.h); set by the COM layer.
  void set_causality(const GUID& causality) noexcept { causality_ = causality; }

  // Hands the reply to the returned DeferredReply (deferred_reply.h): the handler then returns without
  // one (its `out` and Status are ignored) and copies the request stub it still needs. Once per call,
  // on the dispatch thread, while the handler runs. Errors: RPC_E_WRONG_THREAD from another thread;
  // kFailedPrecondition when already deferred or when nothing can defer the call (a ServerCall made
  // outside a server); kResourceExhausted at Limits::max_deferred_calls.
  Result<DeferredReply> defer();
  bool deferred() const noexcept { return deferred_; }
  // For the dispatcher.
  void set_deferral(detail::DeferralSource* source) noexcept { deferral_ = source; }

 private:
  CallAttributes attributes_;
  std::thread::id dispatch_thread_;  // no syscall to learn it (gettid costs ~1.3 µs here)
  std::optional<identity::ImpersonationScope> impersonation_;
  std::optional<GUID> causality_;
  detail::DeferralSource* deferral_ = nullptr;
  bool deferred_ = false;
};

// The call the calling thread is serving, or nullptr (the I_RpcGetCurrentCallHandle analogue).
ServerCall* current_call() noexcept;
// RpcImpersonateClient(NULL) / RpcRevertToSelf(): act on current_call(). Outside a call:
// kFailedPrecondition carrying RPC_E_CALL_COMPLETE.
[[nodiscard]] Status impersonate_client();
[[nodiscard]] Status revert_to_self();

namespace detail {
// Makes `call` the thread's current call for its lifetime (restoring the previous one after).
class CurrentCallScope {
 public:
  explicit CurrentCallScope(ServerCall* call) noexcept;
  ~CurrentCallScope();
  CurrentCallScope(const CurrentCallScope&) = delete;
  CurrentCallScope& operator=(const CurrentCallScope&) = delete;

 private:
  ServerCall* previous_;
};
}  // namespace detail

}  // namespace guise::rpc
