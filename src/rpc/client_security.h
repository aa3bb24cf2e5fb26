// client_security.h: the pluggable client-side security providers.
//
// A ClientSecurityProvider is made per connection (its state is that connection's security context).
// It produces the bind's verifier (first leg), takes the server's answer from bind_ack (second leg,
// optionally producing a third leg sent as auth3, as NTLM does: MS-RPCE §3.3.1.5.2), and — where
// protects_pdus() — signs/seals each request fragment and checks/unseals each response fragment.
// The local provider (ncalrpc) has two legs and no per-PDU protection: the kernel attests the caller.
// A GSSAPI provider (roadmap item 9) implements the same interface. Not thread-safe: one connection,
// one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/status.h"
#include "identity/impersonation_level.h"
#include "rpc/pdu.h"
#include "rpc/security_provider.h"

namespace guise::rpc {

struct AuthInfo;

class ClientSecurityProvider {
 public:
  virtual ~ClientSecurityProvider() = default;
  virtual std::uint8_t auth_type() const noexcept = 0;
  // The verifier the bind carries.
  [[nodiscard]] virtual Result<AuthVerifier> first_leg(const AuthInfo& auth, std::uint32_t auth_context_id) = 0;
  // The server's verifier from bind_ack (and from alter_context_resp, while answer_expected()).
  // kAccessDenied when it grants less than asked; a value to send when the mechanism has another leg:
  // in alter_context when answer_expected() is then true (SPNEGO), else in auth3 (NTLM, Kerberos).
  [[nodiscard]] virtual Result<std::optional<AuthVerifier>> second_leg(const AuthInfo& auth,
                                                                       const AuthVerifier& answer) = 0;
  virtual bool answer_expected() const noexcept { return false; }
  // Whether to offer PFC_SUPPORT_HEADER_SIGN in the bind; told whether the server echoed it.
  virtual bool supports_header_signing() const noexcept { return false; }
  virtual void set_header_signing(bool negotiated) noexcept { (void)negotiated; }
  virtual bool protects_pdus() const noexcept { return false; }
  virtual std::size_t verifier_size() const noexcept { return 0; }
  // Signs (and at PKT_PRIVACY seals in place) one request fragment; returns exactly
  // verifier_size() octets for the auth_value.
  [[nodiscard]] virtual Result<std::vector<std::byte>> protect_request(const ProtectedPdu& pdu) {
    (void)pdu;
    return unimplemented("this provider does not protect PDUs");
  }
  // Checks (and unseals in place) one response fragment.
  [[nodiscard]] virtual Status unprotect_response(const ProtectedPdu& pdu, std::span<const std::byte> auth_value) {
    (void)pdu, (void)auth_value;
    return unimplemented("this provider does not protect PDUs");
  }
};

// ncalrpc's provider: asks for the level, impersonation level and capabilities (local_security.h).
class LocalClientSecurity final : public ClientSecurityProvider {
 public:
  std::uint8_t auth_type() const noexcept override;
  [[nodiscard]] Result<AuthVerifier> first_leg(const AuthInfo& auth, std::uint32_t auth_context_id) override;
  [[nodiscard]] Result<std::optional<AuthVerifier>> second_leg(const AuthInfo& auth,
                                                               const AuthVerifier& answer) override;
};

}  // namespace guise::rpc
