// server.h: a DCE/RPC server over ncalrpc and ncacn_ip_tcp.
//
// Register interfaces, listen on string bindings, start(). One epoll reactor serves every endpoint of
// both transports. Its threads follow leader/followers (DESIGN decision 6): every thread waits in
// epoll_wait; the thread woken for a connection reads its bytes, and when a request is complete it
// dispatches the call itself and writes the reply — no hand-off. A connection is armed EPOLLONESHOT,
// so exactly one thread owns it at a time and calls on one connection run in order. Threads wait on
// sockets only at the process identity: each call runs inside identity::ProcessIdentityScope and any
// impersonation ends before the reply is written.
//
// Callers are attested by the transport: ncalrpc connections record SO_PEERCRED/SO_PEERGROUPS/
// SO_PEERPIDFD at accept; the local security provider (installed by default) turns them into the
// caller's Token at the level the client granted. Nothing a client sends can change that identity.
//
// Bounded (DESIGN decision 8): connections, reassembly memory and running calls are per-peer shares
// of server-wide budgets (rpc::Limits, lowered to what RLIMIT_NOFILE and the memory limits allow when
// the server starts). The pool starts with `threads` and grows, up to `max_threads`, whenever a
// thread is about to block (run a handler, wait for a slow reader) while no other thread watches
// the reactor; at most max_threads − 1 handlers run at once, so one thread is always free to accept,
// read, reap and refuse whatever the handlers do. Threads above `threads` leave after idling for
// `idle_thread_timeout`. A handler that blocks for ever keeps its thread for ever — there is no safe
// way to take a thread back from user code — but it holds only its peer's share.
//
// Bad input ends only the sender's call (fault) or association (close), with one log line; limits
// (Limits) end in a fault, a bind_nak or a refused connection, never in a crash, a hang or a thread
// left as someone else. At the descriptor limit the server refuses instead of spinning (one spare
// descriptor lets it accept and close the connection it cannot serve; the listener then rests
// 100 ms), and logs at most one line a second.
// Thread-safety: configure (register_interface, add_security_provider, listen) before start(); stop()
// and the destructor may be called from any thread but not from a handler.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "rpc/interface_registry.h"
#include "rpc/limits.h"
#include "rpc/log_rate_limit.h"
#include "rpc/peer_accounts.h"
#include "rpc/security_provider.h"
#include "rpc/server_call.h"

namespace guise::rpc {

struct ServerOptions {
  unsigned threads = 4;  // leader/followers pool size
  Limits limits;
  unsigned socket_mode = 0666;  // filesystem ncalrpc endpoints: anyone may connect; identity is attested
  // Hot connections: after a reply, a thread whose peers still watch the reactor waits this long on
  // the same connection for its next request (one recv per call instead of epoll_ctl + epoll_wait +
  // recv) — but only while another thread waits in the reactor, re-checked before every wait, so
  // a busy server never leaves new work unwatched for longer than this. 0 disables.
  std::chrono::microseconds park_timeout{2000};
  // Upper bound of the pool (at least `threads`). Threads beyond `threads` are started only when
  // every thread is busy or blocked, and leave after idling this long.
  unsigned max_threads = 32;
  std::chrono::milliseconds idle_thread_timeout{10000};
  // Calls below this authentication level are refused (fault ERROR_ACCESS_DENIED, nothing runs):
  // e.g. PKT_INTEGRITY, the floor Windows' DCOM hardening (KB5004442) enforces.
  AuthnLevel minimum_authn_level = AuthnLevel::kNone;
};

namespace detail {
class ServerConnection;
struct Watch;
struct Listener;
}  // namespace detail

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] Status register_interface(InterfaceRegistration registration);
  // Replaces the provider for its auth_type. The local provider is installed by default.
  void add_security_provider(std::unique_ptr<ServerSecurityProvider> provider);
  // Listens on a string binding; returns the binding clients should use (real port for port 0).
  [[nodiscard]] Result<std::string> listen(std::string_view string_binding);
  [[nodiscard]] Status start();
  // Stops the threads, closes every connection and listener (removing socket files). Idempotent.
  void stop();

  std::size_t connection_count() const;
  const Limits& limits() const noexcept { return options_.limits; }
  // The budgets in force (Limits lowered to the process's limits); set by start().
  const ServerBudget& budget() const noexcept { return accounts_->budget(); }
  // Serving threads alive right now (between `threads` and `max_threads`).
  unsigned thread_count() const noexcept { return live_threads_.load(std::memory_order_relaxed); }
  AuthnLevel minimum_authn_level() const noexcept { return options_.minimum_authn_level; }

  // Internals shared with the association (detail/server_connection.h).
  const InterfaceRegistry& registry() const noexcept { return registry_; }
  ServerSecurityProvider* provider_for(std::uint8_t auth_type) const noexcept;
  std::uint32_t next_assoc_group_id() noexcept { return next_group_.fetch_add(1, std::memory_order_relaxed); }

  // A slot to run one call of `account`'s peer (null account: no per-peer share). Holds one of the
  // server's handler slots and one of the peer's call slots until destroyed.
  class CallSlot {
   public:
    CallSlot() = default;
    CallSlot(CallSlot&& other) noexcept;
    CallSlot& operator=(CallSlot&&) = delete;
    ~CallSlot();
    explicit operator bool() const noexcept { return server_ != nullptr; }

   private:
    friend class Server;
    CallSlot(Server* server, PeerAccount* account) noexcept : server_(server), account_(account) {}
    Server* server_ = nullptr;
    PeerAccount* account_ = nullptr;
  };
  enum class Busy { kServer, kPeer };
  // A slot, or why there is none (every handler slot taken, or the peer runs its share).
  [[nodiscard]] std::variant<CallSlot, Busy> begin_call(PeerAccount* account) noexcept;
  // Called by a thread about to block (run a handler, wait to write): if no thread waits in the
  // reactor, starts one (within max_threads) so accepting, reading and reaping go on.
  void ensure_reactor_watched() noexcept;
  LogRateLimit& busy_log() noexcept { return busy_log_; }

 private:
  void run_thread();
  bool spawn_thread(bool initial);
  void thread_finished() noexcept;
  void join_finished_threads();
  void serve_connection(detail::ServerConnection* connection);
  // Accepts what the listener has queued; false when accepting is paused (descriptors ran out).
  bool accept_ready(detail::Listener& listener);
  void admit(detail::Listener& listener, UniqueFd fd);
  void shed_one_connection(detail::Listener& listener);
  void resume_accepting();
  void close_connection(detail::ServerConnection* connection);
  void rearm(detail::Watch* watch, int fd);
  void reap_slow_connections();
  bool try_park() noexcept;

  ServerOptions options_;
  InterfaceRegistry registry_;
  std::vector<std::unique_ptr<ServerSecurityProvider>> providers_;
  std::vector<std::unique_ptr<detail::Listener>> listeners_;
  UniqueFd epoll_;
  UniqueFd stop_event_;
  std::unique_ptr<detail::Watch> stop_watch_;
  UniqueFd reaper_timer_;
  std::unique_ptr<detail::Watch> reaper_watch_;
  UniqueFd resume_timer_;  // one-shot: re-arms listeners paused at the descriptor limit
  std::unique_ptr<detail::Watch> resume_watch_;
  UniqueFd spare_fd_;  // given up for a moment to accept (and close) a connection at EMFILE
  std::mutex spare_mu_;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<unsigned> parked_{0};
  std::atomic<unsigned> in_reactor_{0};  // threads waiting in epoll_wait right now
  std::atomic<unsigned> live_threads_{0};
  std::atomic<unsigned> handlers_running_{0};
  unsigned max_threads_ = 1;
  unsigned max_handlers_ = 1;
  std::atomic<std::uint32_t> next_group_{0x1000};
  uid_t own_uid_ = 0;
  uid_t own_euid_ = 0;
  std::atomic<unsigned> refusing_{0};  // connections kept only to answer their bind with bind_nak

  LogRateLimit accept_error_log_;
  LogRateLimit refusal_log_;
  LogRateLimit busy_log_;

  std::mutex threads_mu_;
  std::vector<std::thread> threads_;                   // guarded by threads_mu_
  std::vector<std::thread::id> finished_threads_;      // guarded by threads_mu_: to join

  // Declared before the connections: every connection gives its slot back to them when destroyed.
  std::unique_ptr<PeerAccounts> accounts_;
  mutable std::mutex mu_;
  std::unordered_map<detail::ServerConnection*, std::unique_ptr<detail::ServerConnection>> connections_;
};

}  // namespace guise::rpc
