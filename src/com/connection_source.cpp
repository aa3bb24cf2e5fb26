#include "com/connection_source.h"

#include <cstdlib>
#include <string_view>

#include "com/security_settings.h"

namespace guise::com {

ConnectionSource::ConnectionSource() {
  const char* check = std::getenv("GUISE_COM_IDENTITY_CHECK");
  if (check != nullptr && std::string_view(check) == "tracked") {
    options_.identity_check = rpc::IdentityCheck::kGuiseTracked;
  }
}

rpc::AuthInfo ConnectionSource::default_auth(const rpc::StringBinding& binding) {
  // CoInitializeSecurity's levels (R42, R43), or the implicit CONNECT / IDENTIFY; over TCP through
  // GSSAPI (docs/remote.md), ANONYMOUS promoted to IDENTIFY (R46).
  return default_client_auth(binding);
}

Result<std::shared_ptr<rpc::Client>> ConnectionSource::client_for(const rpc::StringBinding& binding,
                                                                  const rpc::AuthInfo& auth,
                                                                  std::optional<uid_t> expected_server,
                                                                  const std::optional<RemoteAuthentication>& remote) {
  std::optional<RemoteAuthentication> gss;
  if (!binding.is_local() && auth.level != rpc::AuthnLevel::kNone) {
    gss = remote ? *remote : default_remote_authentication({}, binding);
  }
  Key key{binding.to_string(), static_cast<int>(auth.level), static_cast<int>(auth.imp_level), auth.capabilities,
          expected_server ? static_cast<std::int64_t>(*expected_server) : -1, gss ? gss->key() : std::string()};
  std::lock_guard lock(mu_);
  if (auto it = clients_.find(key); it != clients_.end()) return it->second;
  rpc::ClientOptions options = options_;
  options.expected_server_uid = expected_server;
  if (gss) options.security = security_for(*gss);
  GUISE_TRY(rpc::Client client, rpc::Client::create(std::get<0>(key), auth, options));
  auto shared = std::make_shared<rpc::Client>(std::move(client));
  clients_.emplace(std::move(key), shared);
  if (gss) remote_.emplace(shared.get(), std::move(*gss));
  return shared;
}

std::optional<RemoteAuthentication> ConnectionSource::remote_of(const rpc::Client* client) {
  std::lock_guard lock(mu_);
  if (auto it = remote_.find(client); it != remote_.end()) return it->second;
  return std::nullopt;
}

}  // namespace guise::com
