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
// Bad input ends only the sender's call (fault) or association (close), with one log line; limits
// (Limits) end in a fault or a close, never in a crash, a hang or a thread left as someone else.
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
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "rpc/interface_registry.h"
#include "rpc/limits.h"
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
  AuthnLevel minimum_authn_level() const noexcept { return options_.minimum_authn_level; }

  // Internals shared with the association (detail/server_connection.h).
  const InterfaceRegistry& registry() const noexcept { return registry_; }
  ServerSecurityProvider* provider_for(std::uint8_t auth_type) const noexcept;
  std::uint32_t next_assoc_group_id() noexcept { return next_group_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void run_thread();
  void accept_ready(detail::Listener& listener);
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
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<unsigned> parked_{0};
  std::atomic<unsigned> in_reactor_{0};  // threads waiting in epoll_wait right now
  std::atomic<std::uint32_t> next_group_{0x1000};

  mutable std::mutex mu_;
  std::unordered_map<detail::ServerConnection*, std::unique_ptr<detail::ServerConnection>> connections_;
};

}  // namespace guise::rpc
