// gss_server.h: the server side of RPC_C_AUTHN_GSS_KERBEROS (16), RPC_C_AUTHN_WINNT (10, raw
// NTLMSSP) and RPC_C_AUTHN_GSS_NEGOTIATE (9, SPNEGO) through MIT krb5's GSSAPI and gss-ntlmssp.
//
// Legs (MS-RPCE §3.3.1.5): bind → accept() runs gss_accept_sec_context on the first token and answers
// in bind_ack; auth3 or alter_context on the same auth_context_id → continue_auth() runs the next.
// Until the mechanism completes, the context is not established and no request runs. On completion
// the caller's principal is mapped to a local user (principal_mapping.h); an unmapped principal fails
// the leg. The granted impersonation level comes from the context flags: delegation → DELEGATE,
// GSS_C_IDENTIFY_FLAG (NTLM's NEGOTIATE_IDENTIFY) → IDENTIFY, else IMPERSONATE.
// Every level from CONNECT up is accepted; from PKT_INTEGRITY every request fragment must verify and
// every response fragment is signed (and sealed at PKT_PRIVACY) — gss_session.h.
// Thread-safety: the providers hold acceptor credentials (shared, read-only) and are safe from any
// serving thread; each context's state belongs to its association.
#pragma once

#include <memory>

#include "rpc/gssapi/gss_config.h"
#include "rpc/security_provider.h"

namespace guise::rpc {
class Server;
}

namespace guise::rpc::gssapi {

// One provider for `auth_type` (9, 10 or 16). Acquires the acceptor credentials now: kAccessDenied
// (with GSSAPI's reason) when the keytab or NTLM user file cannot be used.
Result<std::unique_ptr<ServerSecurityProvider>> make_server_provider(std::uint8_t auth_type,
                                                                     const ServerConfig& config);

// Installs the providers whose credentials are configured: Kerberos and SPNEGO when a keytab is usable,
// NTLM when a user file and domain are. kAccessDenied when none could be installed.
Status add_gss_providers(Server& server, const ServerConfig& config);

}  // namespace guise::rpc::gssapi
