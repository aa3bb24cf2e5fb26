// cloaking.h: which identity an outgoing ORPC call presents (spec §3.8, R50–R56).
//
// Identity is attested, never claimed (DESIGN decision 3): a call travels on a connection opened by a
// thread carrying the identity to present, and the rpc::Client pools connections by that identity, so
// the server learns it from the kernel. OutgoingIdentity switches the calling thread, for the duration
// of one call, to the identity the proxy's blanket asks for:
//   - no cloaking (R50): the process identity, whatever the thread impersonates;
//   - EOAC_DYNAMIC_CLOAKING (R53): the thread's current token (the process's when not impersonating);
//   - EOAC_STATIC_CLOAKING (R51, R52): the token captured when SetBlanket set it, or, for a blanket
//     from CoInitializeSecurity, on the first call through the proxy — reused whoever calls later.
// A cloaked identity must be one the server was allowed to act as: a token at IDENTIFY or ANONYMOUS
// level is refused before anything is sent (R54: E_ACCESSDENIED). Over TCP the token also decides the
// credential (R63, rpc/gssapi/gss_client.h): a remote caller's token presents what that caller
// delegated, and one that delegated nothing cannot be presented to another machine (E_ACCESSDENIED,
// before the bind is sent); a local caller's token presents that user's own Kerberos tickets.
// Thread-safety: CloakState is shared by the calls of one interface proxy (internally locked);
// OutgoingIdentity belongs to the calling thread's stack.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "base/status.h"
#include "identity/impersonation.h"
#include "identity/token.h"

namespace guise::com {

class CloakState {
 public:
  // SetBlanket chose `capabilities` on the calling thread: static cloaking captures its token now.
  void blanket_set(std::uint32_t capabilities);
  // Takes over `other`'s capture (an asynchronous call object starts with its proxy's blanket).
  void copy_from(CloakState& other);

 private:
  friend class OutgoingIdentity;
  std::mutex mu_;
  bool captured_ = false;
  std::optional<identity::Token> token_;  // the captured token; nullopt = the process
};

class OutgoingIdentity {
 public:
  OutgoingIdentity() = default;
  OutgoingIdentity(const OutgoingIdentity&) = delete;
  OutgoingIdentity& operator=(const OutgoingIdentity&) = delete;

  // Makes the calling thread present what `capabilities` (the blanket's EOAC_* flags) asks for until
  // this object dies. Errors: E_ACCESSDENIED (R54), CO_E_FAILEDTOIMPERSONATE (the kernel refused).
  [[nodiscard]] Status enter(CloakState& state, std::uint32_t capabilities);

  // enter() in two halves, for a call sent later or by another thread (asynchronous calls, R58):
  // resolve() fixes, on the calling thread, which identity a call begun now presents (nullopt: the
  // process), refusing unusable tokens (R54); enter_resolved() makes the calling thread present it.
  [[nodiscard]] static Result<std::optional<identity::Token>> resolve(CloakState& state, std::uint32_t capabilities);
  [[nodiscard]] Status enter_resolved(const std::optional<identity::Token>& present);

 private:
  std::optional<identity::ProcessIdentityScope> as_process_;
  std::optional<identity::ImpersonationScope> as_token_;
};

}  // namespace guise::com
