// connection_source.h: the RPC client every outgoing ORPC and resolver call goes through, chosen by
// (string binding, authentication info).
//
// One rpc::Client per key, shared by every proxy that reaches the same endpoint with the same
// blanket; the rpc::Client itself pools connections by the identity the calling thread presents to
// the kernel, so a connection attested for one identity is never used for another (spec R56). That
// is the hook for cloaking: a proxy's blanket picks the AuthInfo here, and the presented identity —
// the thread's today — picks the connection inside (docs/com.md, "The proxy → connection path").
//
// Over TCP an authenticated level also needs a RemoteAuthentication (service, server principal,
// credentials; remote_authentication.h): part of the key, and the rpc::Client's GSSAPI provider.
//
// Environment: GUISE_COM_IDENTITY_CHECK=tracked makes clients trust guise's own record of the
// thread's identity instead of asking the kernel per call (rpc::IdentityCheck::kGuiseTracked; only
// for processes that never change their ids outside guise). Clients live as long as the process (a
// channel may still be calling through one it no longer selects). Thread-safety: all members.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <tuple>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "base/status.h"
#include "com/remote_authentication.h"
#include "rpc/client.h"
#include "rpc/string_binding.h"

namespace guise::com {

class ConnectionSource {
 public:
  ConnectionSource();
  // `expected_server`: over ncalrpc every connection's server must be that uid (rpc
  // ClientOptions::expected_server_uid) — for endpoints whose owner is known (activation).
  // `remote`: over TCP at an authenticated level, how to authenticate (nullopt: NEGOTIATE as
  // "host@<address>" with the thread's credentials); ignored over ncalrpc.
  [[nodiscard]] Result<std::shared_ptr<rpc::Client>> client_for(const rpc::StringBinding& binding,
                                                                const rpc::AuthInfo& auth,
                                                                std::optional<uid_t> expected_server = std::nullopt,
                                                                const std::optional<RemoteAuthentication>& remote = {});
  // The default authentication info of a call to `binding` (spec R37: the process's level, CONNECT
  // unless CoInitializeSecurity said otherwise; over TCP authenticated through GSSAPI, R46).
  static rpc::AuthInfo default_auth(const rpc::StringBinding& binding);
  // How `client` (one this source made) authenticates over TCP; nullopt over ncalrpc or at NONE.
  std::optional<RemoteAuthentication> remote_of(const rpc::Client* client);

 private:
  using Key = std::tuple<std::string, int, int, std::uint32_t, std::int64_t, std::string>;
  rpc::ClientOptions options_;
  std::mutex mu_;
  std::map<Key, std::shared_ptr<rpc::Client>> clients_;
  std::map<const rpc::Client*, RemoteAuthentication> remote_;
};

}  // namespace guise::com
