// gss_config.h: how a server accepts remote callers and how a client authenticates to a server,
// for the GSSAPI security providers (Kerberos 16, NTLM 10, SPNEGO 9; docs/remote.md).
//
// Nothing here is a secret except ClientCredentials::password; values are copied into providers at
// construction. Paths are read by MIT krb5 and gss-ntlmssp, never parsed by guise except the local
// users file (principal_mapping.h).
#pragma once

#include <string>

#include "identity/impersonation_level.h"

namespace guise::rpc::gssapi {

struct ServerConfig {
  // Kerberos: the keytab holding the service's keys ("" → krb5's default: KRB5_KTNAME or
  // default_keytab_name) and, optionally, the one principal to accept as ("host@server.example"
  // hostbased, or "RPCSS/server.example@REALM"); "" accepts as any principal in the keytab.
  std::string keytab;
  std::string service_principal;
  // NTLM: gss-ntlmssp's user file (lines "DOMAIN:user:password"; "" → NTLM_USER_FILE), and the
  // domain NTLM callers must name (compared case-insensitively). With no domain configured every NTLM
  // caller is refused: a user name alone does not say whose user it is.
  std::string ntlm_user_file;
  std::string ntlm_domain;
  // Local user table consulted before NSS ("" → NSS only): lines "name:uid:gid[:gid,gid...]"
  // (principal_mapping.h). For hosts whose remote users have no passwd entry.
  std::string local_users_file;
};

struct ClientCredentials {
  // Kerberos: "" with no password/keytab → the default credential cache of the calling thread's uid.
  // "alice" or "alice@REALM" with `password` → a fresh TGT; with `keytab` → keys from that keytab.
  // NTLM: `user`, `domain` and `password` are required.
  std::string user;
  std::string domain;
  std::string password;
  std::string keytab;
  std::string ccache;  // an explicit credential cache ("FILE:/tmp/krb5cc_41001"), overriding the default
  // The server's principal: "service@host" (hostbased: "host@server.example", "RPCSS@server.example")
  // or a Kerberos principal "RPCSS/server.example@REALM". Unused by NTLM.
  std::string target;
};

}  // namespace guise::rpc::gssapi
