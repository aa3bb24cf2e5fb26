// remote_authentication.cpp: the TCP authentication choice of COM proxies and the COM server's GSSAPI
// acceptor configuration (remote_authentication.h).
#include "com/remote_authentication.h"

#include <krb5.h>

#include <cstdlib>
#include <functional>
#include <mutex>

#include <fmt/format.h>

#include "base/log.h"
#include "base/utf16.h"
#include "rpc/gssapi/gss_client.h"

namespace guise::com {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

// The principal `dsa` registers for `service`, else for Kerberos or NEGOTIATE (both name the same
// Kerberos service), else "host@<address>".
std::string registered_principal(const DualStringArray& dsa, DWORD service, const rpc::StringBinding& binding) {
  auto find = [&](DWORD wanted) -> std::string {
    for (const auto& entry : dsa.security) {
      if (entry.authn_service == wanted && !entry.principal.empty()) return utf16_to_utf8(entry.principal);
    }
    return {};
  };
  std::string principal = find(service);
  if (principal.empty()) principal = find(RPC_C_AUTHN_GSS_KERBEROS);
  if (principal.empty()) principal = find(RPC_C_AUTHN_GSS_NEGOTIATE);
  if (principal.empty()) principal = "host@" + binding.network_address;
  return principal;
}

std::string counted(const USHORT* text, ULONG length) {
  if (text == nullptr) return {};
  return utf16_to_utf8(std::u16string_view(reinterpret_cast<const char16_t*>(text), length));
}

std::mutex g_acceptor_mu;
std::string g_acceptor_principal;

}  // namespace

std::string RemoteAuthentication::key() const {
  std::string key = fmt::format("{}|{}", authn_service, principal);
  if (explicit_identity) {
    key += fmt::format("|{}|{}|{:x}", user, domain, std::hash<std::string>{}(password));
  }
  return key;
}

RemoteAuthentication default_remote_authentication(const DualStringArray& dsa, const rpc::StringBinding& binding) {
  RemoteAuthentication remote;
  remote.principal = registered_principal(dsa, remote.authn_service, binding);
  return remote;
}

Result<RemoteAuthentication> remote_authentication_for(DWORD service, const OLECHAR* principal, void* auth_info,
                                                       const DualStringArray& dsa, const rpc::StringBinding& binding) {
  RemoteAuthentication remote;
  remote.authn_service = service == static_cast<DWORD>(RPC_C_AUTHN_DEFAULT) ? DWORD{RPC_C_AUTHN_GSS_NEGOTIATE} : service;
  if (principal != nullptr && principal != COLE_DEFAULT_PRINCIPAL && *principal != u'\0') {
    remote.principal = utf16_to_utf8(principal);
  } else {
    remote.principal = registered_principal(dsa, remote.authn_service, binding);
  }
  if (auth_info != nullptr && auth_info != COLE_DEFAULT_AUTHINFO) {
    const auto* identity = static_cast<const SEC_WINNT_AUTH_IDENTITY_W*>(auth_info);
    if (identity->Flags != SEC_WINNT_AUTH_IDENTITY_UNICODE) {
      return Status(StatusCode::kInvalidInput, "com: explicit credentials must be SEC_WINNT_AUTH_IDENTITY_UNICODE",
                    E_INVALIDARG);
    }
    remote.explicit_identity = true;
    remote.user = counted(identity->User, identity->UserLength);
    remote.domain = counted(identity->Domain, identity->DomainLength);
    remote.password = counted(identity->Password, identity->PasswordLength);
  }
  return remote;
}

std::function<std::unique_ptr<rpc::ClientSecurityProvider>()> security_for(const RemoteAuthentication& remote) {
  rpc::gssapi::ClientCredentials credentials;
  // NTLM names no target: its server is whoever knows the user's password (MS-NLMP).
  if (remote.authn_service != RPC_C_AUTHN_WINNT) credentials.target = remote.principal;
  if (remote.explicit_identity) {
    credentials.user = remote.user;
    credentials.domain = remote.domain;
    credentials.password = remote.password;
    // Kerberos names the user in its realm: "alice" in domain "EXAMPLE.TEST" is alice@EXAMPLE.TEST.
    if (remote.authn_service != RPC_C_AUTHN_WINNT && !remote.domain.empty() &&
        remote.user.find('@') == std::string::npos) {
      credentials.user = remote.user + "@" + remote.domain;
    }
  }
  return rpc::gssapi::make_client_security(static_cast<std::uint8_t>(remote.authn_service), std::move(credentials));
}

rpc::gssapi::ServerConfig tcp_acceptor_config_from_env() {
  rpc::gssapi::ServerConfig config;
  config.keytab = env("GUISE_COM_KEYTAB");
  config.service_principal = env("GUISE_COM_SERVICE_PRINCIPAL");
  config.ntlm_user_file = env("NTLM_USER_FILE");
  config.ntlm_domain = env("GUISE_COM_NTLM_DOMAIN");
  config.local_users_file = env("GUISE_COM_LOCAL_USERS_FILE");
  return config;
}

std::string acceptor_principal(const rpc::gssapi::ServerConfig& config) {
  if (!config.service_principal.empty()) return config.service_principal;
  krb5_context context = nullptr;
  if (krb5_init_context(&context) != 0) return {};
  std::string principal;
  krb5_keytab keytab = nullptr;
  const krb5_error_code opened = config.keytab.empty() ? krb5_kt_default(context, &keytab)
                                                        : krb5_kt_resolve(context, config.keytab.c_str(), &keytab);
  if (opened == 0) {
    krb5_kt_cursor cursor;
    if (krb5_kt_start_seq_get(context, keytab, &cursor) == 0) {
      krb5_keytab_entry entry;
      if (krb5_kt_next_entry(context, keytab, &entry, &cursor) == 0) {
        char* name = nullptr;
        if (krb5_unparse_name(context, entry.principal, &name) == 0) {
          principal = name;
          krb5_free_unparsed_name(context, name);
        }
        krb5_free_keytab_entry_contents(context, &entry);
      }
      krb5_kt_end_seq_get(context, keytab, &cursor);
    }
    krb5_kt_close(context, keytab);
  }
  krb5_free_context(context);
  return principal;
}

void set_tcp_acceptor_principal(std::string principal) {
  std::lock_guard lock(g_acceptor_mu);
  g_acceptor_principal = std::move(principal);
}

std::string tcp_acceptor_principal() {
  std::lock_guard lock(g_acceptor_mu);
  return g_acceptor_principal;
}

}  // namespace guise::com
