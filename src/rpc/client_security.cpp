// client_security.cpp: the local provider's client side.
#include "rpc/client_security.h"

#include "guise/winerror.h"
#include "rpc/client.h"
#include "rpc/local_security.h"

namespace guise::rpc {

std::uint8_t LocalClientSecurity::auth_type() const noexcept { return kAuthTypeGuiseLocal; }

Result<AuthVerifier> LocalClientSecurity::first_leg(const AuthInfo& auth, std::uint32_t auth_context_id) {
  return make_local_auth_request(auth.level, auth.imp_level, auth.capabilities, auth_context_id);
}

Result<std::optional<AuthVerifier>> LocalClientSecurity::second_leg(const AuthInfo& auth, const AuthVerifier& answer) {
  // The server must have taken our provider and granted at least the level we asked for.
  auto granted = LocalAuthValue::decode(answer.auth_value);
  if (answer.auth_type != kAuthTypeGuiseLocal || !granted || !(granted->flags & LocalAuthValue::kFlagGranted) ||
      (auth.level != AuthnLevel::kDefault && answer.auth_level < static_cast<std::uint8_t>(auth.level))) {
    return Status(StatusCode::kAccessDenied, "server granted less than the level asked for", E_ACCESSDENIED);
  }
  return std::optional<AuthVerifier>();
}

}  // namespace guise::rpc
