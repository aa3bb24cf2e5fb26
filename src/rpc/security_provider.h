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

struct SecurityContext {
  std::uint8_t auth_type = kAuthTypeNone;
  std::uint32_t auth_context_id = 0;
  AuthnLevel level = AuthnLevel::kNone;
  identity::ImpersonationLevel imp_level = identity::ImpersonationLevel::kIdentify;
  std::uint32_t capabilities = 0;
  std::uint32_t authn_service = kAuthnServiceNone;  // RPC_C_AUTHN_* reported to the server (spec R10)
  std::optional<identity::Token> caller;             // at imp_level; Anonymous Logon at ANONYMOUS
  std::shared_ptr<ProviderState> state;              // the provider's own, if any
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
  // Later legs (auth3, or alter_context on an existing auth_context_id).
  [[nodiscard]] virtual Status continue_auth(SecurityContext& context, const AuthVerifier& verifier) {
    (void)context;
    (void)verifier;
    return invalid_input("this security provider has a single leg");
  }
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
  // checks one request fragment; `stub` is its stub data plus auth padding, unsealed in place at
  // PKT_PRIVACY. A failure faults the call with access denied and closes the association;
  [[nodiscard]] virtual Status unprotect_request(SecurityContext& context, const PduHeader& header,
                                                 std::span<std::byte> stub, const AuthVerifier& verifier) {
    (void)context, (void)header, (void)stub, (void)verifier;
    return unimplemented("this provider does not protect PDUs");
  }
  // signs (and at PKT_PRIVACY seals in place) one response fragment's stub plus padding; `trailer`
  // is the sec_trailer that will follow (auth_value empty). Returns exactly verifier_size() octets.
  [[nodiscard]] virtual Result<std::vector<std::byte>> protect_response(SecurityContext& context,
                                                                        const PduHeader& header,
                                                                        std::span<std::byte> stub,
                                                                        const AuthVerifier& trailer) {
    (void)context, (void)header, (void)stub, (void)trailer;
    return unimplemented("this provider does not protect PDUs");
  }
};

}  // namespace guise::rpc
