// remote_authentication.h: how a COM client authenticates to an exporter it reaches over TCP, and how
// a COM server accepts such callers (spec R10, R13, R46; docs/call-security.md "COM over TCP").
//
// Client: a proxy's blanket names an authentication service (RPC_C_AUTHN_GSS_KERBEROS 16,
// RPC_C_AUTHN_WINNT 10, RPC_C_AUTHN_GSS_NEGOTIATE 9; DEFAULT → NEGOTIATE), a server principal
// (COLE_DEFAULT_PRINCIPAL → the one the exporter registered in its OBJREF's security bindings) and
// optionally explicit credentials (SEC_WINNT_AUTH_IDENTITY_W); without them the credentials are the
// calling thread's (its Kerberos credential cache, KRB5CCNAME). RemoteAuthentication is that choice as
// a value; security_for() turns it into the rpc::Client's GSSAPI provider factory.
//
// Server: when the runtime listens on TCP it installs the GSSAPI providers (rpc/gssapi/gss_server.h)
// configured from the environment (tcp_acceptor_config_from_env) and advertises them in its OBJREFs'
// security bindings with the acceptor principal (the name QueryBlanket reports as the server's, R13).
// Thread-safety: values; the acceptor principal is set once before serving and read afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "com/dual_string_array.h"
#include "guise/objbase.h"
#include "rpc/client_security.h"
#include "rpc/gssapi/gss_config.h"
#include "rpc/string_binding.h"

namespace guise::com {

struct RemoteAuthentication {
  DWORD authn_service = RPC_C_AUTHN_GSS_NEGOTIATE;
  std::string principal;  // the server's: "host/server.example@REALM" or "host@server.example"
  bool explicit_identity = false;
  std::string user, domain, password;  // only with explicit_identity

  // What tells two choices apart (ConnectionSource's key). The password is hashed in, never kept in
  // clear text beyond the credentials themselves.
  std::string key() const;
};

// The default over TCP: NEGOTIATE, the principal `dsa` registers for it (else for Kerberos), else
// "host@<network address>"; the thread's own credentials.
RemoteAuthentication default_remote_authentication(const DualStringArray& dsa, const rpc::StringBinding& binding);

// SetBlanket's choice: `service` (RPC_C_AUTHN_DEFAULT → NEGOTIATE), `principal` (nullptr or
// COLE_DEFAULT_PRINCIPAL → as the default), `auth_info` (nullptr / COLE_DEFAULT_AUTHINFO → the thread's
// credentials, else a SEC_WINNT_AUTH_IDENTITY_W). E_INVALIDARG for credentials that are not UNICODE.
Result<RemoteAuthentication> remote_authentication_for(DWORD service, const OLECHAR* principal, void* auth_info,
                                                       const DualStringArray& dsa, const rpc::StringBinding& binding);

// The provider factory for rpc::ClientOptions::security.
std::function<std::unique_ptr<rpc::ClientSecurityProvider>()> security_for(const RemoteAuthentication& remote);

// ---- server side ----

// GUISE_COM_KEYTAB (else KRB5_KTNAME / krb5.conf's default_keytab_name), GUISE_COM_SERVICE_PRINCIPAL
// (else any principal of the keytab), NTLM_USER_FILE, GUISE_COM_NTLM_DOMAIN, GUISE_COM_LOCAL_USERS_FILE.
rpc::gssapi::ServerConfig tcp_acceptor_config_from_env();

// The name the acceptor authenticates as: the configured service principal, else the first principal
// of the keytab, else "" (no Kerberos keys).
std::string acceptor_principal(const rpc::gssapi::ServerConfig& config);

// Set by the runtime once it accepts GSSAPI binds; QueryBlanket's server principal for TCP callers.
void set_tcp_acceptor_principal(std::string principal);
std::string tcp_acceptor_principal();

}  // namespace guise::com
