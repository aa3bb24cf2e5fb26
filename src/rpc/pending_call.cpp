// pending_call.cpp: Client::begin_call and the PendingCall that reads its reply later.
#include <utility>

#include "base/log.h"
#include "rpc/client.h"
#include "rpc/connection_pool.h"
#include "rpc/detail/client_connection.h"

namespace guise::rpc {

struct PendingCall::State {
  std::shared_ptr<ConnectionPool> pool;
  PoolKey key;
  std::size_t max_idle = 0;
  std::unique_ptr<detail::ClientConnection> connection;  // null once the call is over
  detail::ClientConnection::ReplyState reply;
  detail::Deadline deadline;
  const CancelToken* cancel = nullptr;
  bool out_cleared = false;

  // The call is over: a healthy connection goes back to the pool, a broken one is closed.
  void end() {
    if (connection) pool->give_back(key, std::move(connection), max_idle);
  }
};

PendingCall::PendingCall(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
PendingCall::PendingCall(PendingCall&&) noexcept = default;

PendingCall& PendingCall::operator=(PendingCall&& other) noexcept {
  if (this != &other) {
    abandon(false);
    state_ = std::move(other.state_);
  }
  return *this;
}

PendingCall::~PendingCall() { abandon(false); }

bool PendingCall::done() const noexcept { return !state_ || !state_->connection; }

int PendingCall::wait_fd() const noexcept { return done() ? -1 : state_->connection->fd(); }

std::optional<std::chrono::steady_clock::time_point> PendingCall::deadline() const noexcept {
  return state_ ? state_->deadline : std::nullopt;
}

const CancelToken* PendingCall::cancel_token() const noexcept { return state_ ? state_->cancel : nullptr; }

Result<bool> PendingCall::try_finish(std::vector<std::byte>& out) {
  if (done()) return failed_precondition("the call is over");
  if (!state_->out_cleared) {
    out.clear();
    state_->out_cleared = true;
  }
  auto complete = state_->connection->read_reply(state_->reply, out, state_->deadline, state_->cancel, false);
  if (!complete.ok() || *complete) state_->end();
  return complete;
}

Status PendingCall::finish(std::vector<std::byte>& out) {
  if (done()) return failed_precondition("the call is over");
  if (!state_->out_cleared) {
    out.clear();
    state_->out_cleared = true;
  }
  auto complete = state_->connection->read_reply(state_->reply, out, state_->deadline, state_->cancel, true);
  state_->end();
  return complete.ok() ? Status::Ok() : std::move(complete).status();
}

void PendingCall::request_cancel() noexcept {
  if (!done()) state_->connection->cancel_call(state_->reply.call_id);
}

void PendingCall::abandon(bool cancel) noexcept {
  if (done()) return;
  state_->connection->abandon_call(state_->reply.call_id, cancel);  // marks it broken: closed, not pooled
  state_->connection.reset();
}

Result<PendingCall> Client::begin_call(const InterfaceId& iface, std::uint16_t opnum, std::span<const std::byte> in,
                                       const CallOptions& options) const {
  auto state = std::make_unique<PendingCall::State>();
  state->pool = pool_;
  state->key = PoolKey{endpoint_key_, auth_, presented_identity(options_.identity_check)};
  state->max_idle = options_.max_idle_connections_per_key;
  state->cancel = options.cancel;
  const auto timeout = options.timeout.value_or(options_.call_timeout);
  if (timeout.count() > 0) state->deadline = std::chrono::steady_clock::now() + timeout;
  const std::optional<GUID>& object = options.object ? options.object : binding_.object;

  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<detail::ClientConnection> connection = pool_->take(state->key);
    if (!binding_.is_local()) {
      while (connection && connection->server_closed()) connection = pool_->take(state->key);
    }
    if (!connection) {
      GUISE_TRY(connection, detail::ClientConnection::open(binding_, auth_, options_));
    }
    bool request_sent = false;
    Status sent = connection->send_call(iface, opnum, object, in, state->deadline, options.cancel, request_sent,
                                        state->reply);
    if (sent.ok()) {
      state->connection = std::move(connection);
      return PendingCall(std::move(state));
    }
    pool_->give_back(state->key, std::move(connection), state->max_idle);
    if (request_sent || attempt > 0 || sent.code() != StatusCode::kUnavailable) return sent;
    log::debug("rpc: {}: connection broke before the request left ({}); retrying on a new one", endpoint_key_,
               sent.to_string());
  }
}

}  // namespace guise::rpc
