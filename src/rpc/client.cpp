// client.cpp: calls through pooled connections chosen by the identity the thread presents.
#include "rpc/client.h"

#include "base/log.h"
#include "guise/winerror.h"
#include "rpc/connection_pool.h"
#include "rpc/detail/client_connection.h"

namespace guise::rpc {

Client::Client(StringBinding binding, AuthInfo auth, ClientOptions options)
    : binding_(std::move(binding)),
      auth_(auth),
      options_(std::move(options)),
      pool_(std::make_shared<ConnectionPool>()) {
  StringBinding endpoint_only = binding_;
  endpoint_only.object.reset();
  endpoint_key_ = endpoint_only.to_string();
}

Result<Client> Client::create(std::string_view string_binding, AuthInfo auth, ClientOptions options) {
  GUISE_TRY(StringBinding binding, StringBinding::parse(string_binding));
  if (!binding.is_local() && auth.level != AuthnLevel::kNone && !options.security) {
    // TODO(security): the GSSAPI provider (roadmap item 9) authenticates TCP callers.
    return Status(StatusCode::kUnimplemented, "no security provider for ncacn_ip_tcp yet; use level NONE",
                  HRESULT_FROM_WIN32(1747));  // RPC_S_UNKNOWN_AUTHN_SERVICE
  }
  if (static_cast<unsigned>(auth.level) > static_cast<unsigned>(AuthnLevel::kPktPrivacy)) {
    return invalid_input("authentication level out of range");
  }
  return Client(std::move(binding), auth, std::move(options));
}

std::size_t Client::idle_connections() const { return pool_->idle_count(); }

Status Client::call(const InterfaceId& iface, std::uint16_t opnum, std::span<const std::byte> in,
                    std::vector<std::byte>& out, const CallOptions& options) const {
  const PoolKey key{endpoint_key_, auth_, presented_identity(options_.identity_check)};
  const auto timeout = options.timeout.value_or(options_.call_timeout);
  detail::Deadline deadline;
  if (timeout.count() > 0) deadline = std::chrono::steady_clock::now() + timeout;
  const std::optional<GUID>& object = options.object ? options.object : binding_.object;

  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<detail::ClientConnection> connection = pool_->take(key);
    // A pooled TCP connection the server closed meanwhile is dropped, not used (bounded by the pool
    // size): a request written to it would be lost after it left, when a retry is no longer safe.
    // Over AF_UNIX no check is needed (one syscall saved per call): writing to a closed peer fails
    // with EPIPE before anything leaves, and the request is then sent on a new connection.
    if (!binding_.is_local()) {
      while (connection && connection->server_closed()) connection = pool_->take(key);
    }
    if (!connection) {
      GUISE_TRY(connection, detail::ClientConnection::open(binding_, auth_, options_));
    }
    bool request_sent = false;
    Status status = connection->call(iface, opnum, object, in, out, deadline, options.cancel, request_sent);
    pool_->give_back(key, std::move(connection), options_.max_idle_connections_per_key);
    // Recovery from a broken association: a request that never left can go on a fresh connection.
    // One that left may have run, so it is never sent twice.
    if (status.ok() || request_sent || attempt > 0 || status.code() != StatusCode::kUnavailable) return status;
    log::debug("rpc: {}: connection broke before the request left ({}); retrying on a new one",
               endpoint_key_, status.to_string());
  }
}

Result<std::vector<std::byte>> Client::call(const InterfaceId& iface, std::uint16_t opnum,
                                            std::span<const std::byte> in, const CallOptions& options) const {
  std::vector<std::byte> out;
  GUISE_RETURN_IF_ERROR(call(iface, opnum, in, out, options));
  return out;
}

}  // namespace guise::rpc
