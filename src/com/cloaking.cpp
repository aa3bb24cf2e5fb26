// cloaking.cpp: presenting the blanket's identity on an outgoing call (cloaking.h).
#include "com/cloaking.h"

#include "base/log.h"
#include "guise/objidl.h"

namespace guise::com {
namespace {

constexpr std::uint32_t kStatic = EOAC_STATIC_CLOAKING;
constexpr std::uint32_t kDynamic = EOAC_DYNAMIC_CLOAKING;

Status refuse_unusable(const identity::Token& token) {
  if (identity::applies_caller_ids(token.level())) return Status::Ok();
  log::info("com: cloaked call as {} refused: the thread holds it at {} level only", token.principal_name(),
            identity::impersonation_level_name(token.level()));
  return Status(StatusCode::kAccessDenied, "com: a cloaked call needs an IMPERSONATE or DELEGATE token", E_ACCESSDENIED);
}

// Equal ids are not enough over TCP: a network logon (and what it delegated) authenticates
// differently from a local user of the same uid (spec R63; rpc/presented_identity.h).
bool same_presentation(const identity::Token& a, const identity::Token& b) {
  return a == b && a.is_network_logon() == b.is_network_logon() &&
         a.delegated_credential() == b.delegated_credential();
}

}  // namespace

void CloakState::blanket_set(std::uint32_t capabilities) {
  std::lock_guard lock(mu_);
  captured_ = (capabilities & kStatic) != 0;
  token_ = captured_ ? identity::thread_token() : std::nullopt;
}

void CloakState::copy_from(CloakState& other) {
  if (&other == this) return;
  std::scoped_lock lock(mu_, other.mu_);
  captured_ = other.captured_;
  token_ = other.token_;
}

Status OutgoingIdentity::enter(CloakState& state, std::uint32_t capabilities) {
  GUISE_TRY(std::optional<identity::Token> present, resolve(state, capabilities));
  return enter_resolved(present);
}

Result<std::optional<identity::Token>> OutgoingIdentity::resolve(CloakState& state, std::uint32_t capabilities) {
  std::optional<identity::Token> present;  // nullopt: the process
  if ((capabilities & kDynamic) != 0) {
    present = identity::thread_token();
  } else if ((capabilities & kStatic) != 0) {
    std::lock_guard lock(state.mu_);
    if (!state.captured_) {
      state.captured_ = true;
      state.token_ = identity::thread_token();
    }
    present = state.token_;
  }
  if (present) GUISE_RETURN_IF_ERROR(refuse_unusable(*present));
  return present;
}

Status OutgoingIdentity::enter_resolved(const std::optional<identity::Token>& present) {
  const std::optional<identity::Token> current = identity::thread_token();
  if (!present) {
    // The process identity: only a thread that impersonates has to change (R50).
    if (current) as_process_.emplace();
    return Status::Ok();
  }
  if (current && same_presentation(*current, *present)) return Status::Ok();  // the thread already is it
  GUISE_TRY(identity::ImpersonationScope scope, identity::impersonate(*present));
  as_token_.emplace(std::move(scope));
  return Status::Ok();
}

}  // namespace guise::com
