// security_provider.h: the pluggable server-side security providers and the contexts they create.
//
// A provider owns one sec_trailer auth_type. When a bind or alter_context carries a verifier of its
// type, the association asks it to accept(); the resulting SecurityContext (one per auth_context_id,
// several per connection: MS-RPCE §3.3.1.5.4) records the authentication level and impersonation
// level the client granted and the caller's Token. Multi-leg mechanisms (GSSAPI: NTLM, Kerberos)
// continue in auth3/alter_context through continue_auth(), and protect each PDU (sign/seal) when
// protects_pdus() says so — extension points for roadmap item 9; the local provider needs neither.
//
// Trust: the caller's identity comes from the transport (TransportPeer::credentials, attested by the
// kernel at accept) or, later, from a GSSAPI exchange — never from bytes of the verifier alone.
// Providers are called from serving threads and must be thread-safe; contexts belong to one
// association and are used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "identity/impersonation_level.h"
#include "identity/peer_credentials.h"
#include "identity/token.h"
#include "rpc/pdu.h"
#include "rpc/wire_constants.h"

namespace guise::rpc {

enum class TransportKind { kLocal, kTcp };

// Who is on the other end, as the transport knows it.
struct TransportPeer {
  TransportKind kind = TransportKind::kLocal;
  std::optional<identity::PeerCredentials> credentials;  // AF_UNIX only: SO_PEERCRED & co.
  std::string description;                                // for logs: "uid 1000 pid 42", "127.0.0.1:5555"
};

// What a provider keeps per security context (a GSSAPI context handle, sequence numbers, keys).
struct ProviderState {
  virtual ~ProviderState() = default;
};

// One request or response fragment as a verifier sees it (MS-RPCE §2.2.2.11): the octets before the
// stub (common header and call fields, object UUID included), the stub plus auth padding — checked
// and unsealed, or signed and sealed, in place — and the 8-octet sec_trailer. NTLM signs all three;
// Kerberos signs header and trailer only when header signing was negotiated (§3.3.1.5.2.2).
struct ProtectedPdu {
  std::span<const std::byte> header;
  std::span<std::byte> body;
  std::span<const std::byte> trailer;
  bool header_signing = false;
};

struct SecurityContext {
  std::uint8_t auth_type = kAuthTypeNone;
  std::uint32_t auth_context_id = 0;
  AuthnLevel level = AuthnLevel::kNone;
  identity::ImpersonationLevel imp_level = identity::ImpersonationLevel::kIdentify;
  std::uint32_t capabilities = 0;
  std::uint32_t authn_service = kAuthnServiceNone;  // RPC_C_AUTHN_* reported to the server (spec R10)
  std::optional<identity::Token> caller;             // at imp_level; Anonymous Logon at ANONYMOUS
  std::shared_ptr<ProviderState> state;              // the provider's own, if any
  // False while legs are still to come (a request then is refused: it never runs as anyone) and
  // after a leg failed in auth3, which has no answer (the next request is faulted, MS-RPCE §3.3.1.5.2.2).
  bool established = true;
  bool header_signing = false;  // PFC_SUPPORT_HEADER_SIGN negotiated in bind/bind_ack
};

class ServerSecurityProvider {
 public:
  virtual ~ServerSecurityProvider() = default;
  virtual std::uint8_t auth_type() const noexcept = 0;

  struct Accepted {
    SecurityContext context;
    std::optional<AuthVerifier> reply;  // goes back in bind_ack / alter_context_resp
  };
  // First leg. Errors: kAccessDenied (refused: bind_nak / fault), kInvalidInput (malformed verifier).
  [[nodiscard]] virtual Result<Accepted> accept(const AuthVerifier& verifier, const TransportPeer& peer) = 0;
  // Later legs (auth3, or alter_context on an existing auth_context_id); a value to send back in
  // alter_context_resp (dropped after auth3, which has no answer).
  [[nodiscard]] virtual Result<std::optional<AuthVerifier>> continue_auth(SecurityContext& context,
                                                                          const AuthVerifier& verifier) {
    (void)context;
    (void)verifier;
    return invalid_input("this security provider has a single leg");
  }
  // Whether this provider can sign the PDU header (bind_ack then echoes PFC_SUPPORT_HEADER_SIGN).
  virtual bool supports_header_signing() const noexcept { return false; }
  // Whether request/response PDUs on this context carry a signature/seal the provider must check.
  virtual bool protects_pdus(const SecurityContext& context) const noexcept {
    (void)context;
    return false;
  }

  // Per-PDU protection, called only where protects_pdus() (MS-RPCE §2.2.2.11, §3.3.1.5.2):
  // the size of the auth_value appended to each response fragment (fragments are sized for it);
  virtual std::size_t verifier_size(const SecurityContext& context) const noexcept {
    (void)context;
    return 0;
  }
  // checks one request fragment against its auth_value; the body is unsealed in place at
  // PKT_PRIVACY. A failure faults the call (nca_s_fault_sec_pkg_error) and closes the association;
  [[nodiscard]] virtual Status unprotect_request(SecurityContext& context, const ProtectedPdu& pdu,
                                                 std::span<const std::byte> auth_value) {
    (void)context, (void)pdu, (void)auth_value;
    return unimplemented("this provider does not protect PDUs");
  }
  // signs (and at PKT_PRIVACY seals in place) one response fragment. Returns exactly
  // verifier_size() octets for the auth_value.
  [[nodiscard]] virtual Result<std::vector<std::byte>> protect_response(SecurityContext& context,
                                                                        const ProtectedPdu& pdu) {
    (void)context, (void)pdu;
    return unimplemented("this provider does not protect PDUs");
  }
};

}  // namespace guise::rpc
