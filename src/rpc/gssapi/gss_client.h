// gss_client.h: the client side of Kerberos (16), NTLM (10) and SPNEGO (9) for DCE/RPC.
//
// make_client_security() returns the factory ClientOptions::security takes: each new connection gets
// its own provider and GSSAPI context. Credentials (gss_config.h): Kerberos from an explicit
// password, keytab or credential cache; else, decided by the thread that opens the connection (spec
// R63): the process's own default cache when it impersonates no one; the caller's own default cache
// (user_credential_cache.h) when it impersonates a local, kernel-attested caller; the credential a
// remote caller delegated (delegated_credential.h) when it impersonates a network logon that came at
// DELEGATE — and when that caller delegated nothing, no connection is opened at all (E_ACCESSDENIED,
// before anything is sent: the identity crossed one machine boundary only).
// NTLM from an explicit user, domain and password. The impersonation level the client grants is
// carried in the context flags (DELEGATE → GSS_C_DELEG_FLAG, IDENTIFY/ANONYMOUS →
// GSS_C_IDENTIFY_FLAG); Kerberos uses DCE-style mutual authentication (three legs, the third in
// auth3); SPNEGO sends every leg after the bind in alter_context and reads the server's answer to each,
// the last one accept-completed (MS-RPCE: an even number of legs), checking a mechListMIC it carries.
// At PKT_INTEGRITY and PKT_PRIVACY every request fragment is signed/sealed and every response
// fragment must verify at exactly the level asked for, else the call fails with E_ACCESSDENIED.
// Thread-safety: the factory may be called from any thread; a provider belongs to one connection.
#pragma once

#include <functional>
#include <memory>

#include "rpc/client_security.h"
#include "rpc/gssapi/gss_config.h"

namespace guise::rpc::gssapi {

std::function<std::unique_ptr<ClientSecurityProvider>()> make_client_security(std::uint8_t auth_type,
                                                                              ClientCredentials credentials);

}  // namespace guise::rpc::gssapi
