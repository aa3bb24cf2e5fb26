// server.cpp: the epoll reactor and its leader/followers threads; accepting connections.
#include "rpc/server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "identity/impersonation.h"
#include "identity/process_thread.h"
#include "rpc/detail/server_connection.h"
#include "rpc/local_security.h"
#include "rpc/transport.h"

namespace guise::rpc {
namespace detail {

struct Listener final : Watch {
  explicit Listener(ListeningSocket s) : Watch(Kind::kListener), socket(std::move(s)) {}
  ~Listener() override {
    if (!socket.unlink_path.empty()) ::unlink(socket.unlink_path.c_str());
  }
  ListeningSocket socket;
};

void configure_accepted_tcp(int fd);

}  // namespace detail

using detail::ServerConnection;
using detail::Watch;

namespace {
// The previous owner re-arms the connection while still holding `busy` and releases it a moment
// later; a short bounded spin saves the woken thread a futex sleep and wake-up on every call.
std::unique_lock<std::mutex> lock_busy(ServerConnection& connection) {
  for (int i = 0; i < 256; ++i) {
    std::unique_lock<std::mutex> lock(connection.busy, std::try_to_lock);
    if (lock.owns_lock()) return lock;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  return std::unique_lock<std::mutex>(connection.busy);
}
}  // namespace

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      stop_event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      stop_watch_(std::make_unique<Watch>(Watch::Kind::kStop)) {
  GUISE_ASSERT(epoll_.valid() && stop_event_.valid(), "epoll/eventfd: ", std::strerror(errno));
  GUISE_ASSERT(options_.threads > 0, "a server needs at least one thread");
  GUISE_ASSERT(options_.limits.max_recv_frag >= kMinFragSize && options_.limits.max_xmit_frag >= kMinFragSize,
               "fragment sizes below 1432");
  // Level-triggered and never re-armed: once signalled, every thread sees it and leaves.
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = stop_watch_.get();
  GUISE_ASSERT(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, stop_event_.get(), &ev) == 0, "epoll_ctl");
  providers_.push_back(std::make_unique<LocalSecurityProvider>());
  const auto timeout = options_.limits.partial_pdu_timeout;
  if (timeout.count() > 0) {
    // A periodic timer (half the timeout) on which one thread at a time looks for slow connections.
    reaper_timer_ = UniqueFd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    reaper_watch_ = std::make_unique<Watch>(Watch::Kind::kReaper);
    GUISE_ASSERT(reaper_timer_.valid(), "timerfd_create: ", std::strerror(errno));
    const auto period = std::chrono::duration_cast<std::chrono::nanoseconds>(timeout) / 2;
    itimerspec spec{};
    spec.it_interval.tv_sec = static_cast<time_t>(period.count() / 1'000'000'000);
    spec.it_interval.tv_nsec = static_cast<long>(period.count() % 1'000'000'000);
    spec.it_value = spec.it_interval;
    GUISE_ASSERT(::timerfd_settime(reaper_timer_.get(), 0, &spec, nullptr) == 0, "timerfd_settime");
    epoll_event timer_ev{};
    timer_ev.events = EPOLLIN | EPOLLONESHOT;
    timer_ev.data.ptr = reaper_watch_.get();
    GUISE_ASSERT(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, reaper_timer_.get(), &timer_ev) == 0, "epoll_ctl");
  }
}

Server::~Server() { stop(); }

Status Server::register_interface(InterfaceRegistration registration) {
  GUISE_ASSERT(!started_, "register interfaces before start()");
  return registry_.add(std::move(registration));
}

void Server::add_security_provider(std::unique_ptr<ServerSecurityProvider> provider) {
  GUISE_ASSERT(!started_, "add security providers before start()");
  for (auto& p : providers_) {
    if (p->auth_type() == provider->auth_type()) {
      p = std::move(provider);
      return;
    }
  }
  providers_.push_back(std::move(provider));
}

ServerSecurityProvider* Server::provider_for(std::uint8_t auth_type) const noexcept {
  for (const auto& p : providers_) {
    if (p->auth_type() == auth_type) return p.get();
  }
  return nullptr;
}

Result<std::string> Server::listen(std::string_view string_binding) {
  GUISE_ASSERT(!stopped_, "listen after stop()");
  GUISE_TRY(StringBinding binding, StringBinding::parse(string_binding));
  GUISE_TRY(ListeningSocket socket, listen_on(binding, options_.socket_mode));
  std::string bound = socket.bound.to_string();
  auto listener = std::make_unique<detail::Listener>(std::move(socket));
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;  // one thread accepts at a time
  ev.data.ptr = static_cast<Watch*>(listener.get());
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener->socket.fd.get(), &ev) != 0) {
    return unavailable(std::string("epoll_ctl: ") + std::strerror(errno));
  }
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
  return bound;
}

Status Server::start() {
  GUISE_ASSERT(!started_ && !stopped_, "start() twice or after stop()");
  identity::log_impersonation_mode_once();
  started_ = true;
  threads_.reserve(options_.threads);
  // At the process identity even when start() is called from an impersonating thread.
  for (unsigned i = 0; i < options_.threads; ++i) {
    threads_.push_back(identity::start_process_thread([this] { run_thread(); }));
  }
  return Status::Ok();
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  std::uint64_t one = 1;
  (void)!::write(stop_event_.get(), &one, sizeof one);
  {
    // Wakes threads parked on hot connections (their recv returns at once); connections are only
    // destroyed under mu_, so every fd here is still open.
    std::lock_guard lock(mu_);
    for (auto& [raw, connection] : connections_) ::shutdown(connection->fd(), SHUT_RDWR);
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::lock_guard lock(mu_);
  connections_.clear();
  listeners_.clear();
}

std::size_t Server::connection_count() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

void Server::rearm(Watch* watch, int fd) {
  epoll_event ev{};
  ev.events = watch->kind == Watch::Kind::kConnection ? (EPOLLIN | EPOLLRDHUP | EPOLLONESHOT)
                                                      : (EPOLLIN | EPOLLONESHOT);
  ev.data.ptr = watch;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) {
    log::error("rpc: epoll_ctl(MOD) failed: {}", std::strerror(errno));
  }
}

void Server::run_thread() {
  // The thread's own outermost scope: each call's ProcessIdentityScope then starts from the ids saved
  // here instead of reading them from the kernel again (3 syscalls per call), and still verifies the
  // thread against the kernel when the call ends. Ids are captured when the thread starts: a server
  // whose process changes its ids while serving must restart its threads.
  identity::ProcessIdentityScope thread_ground;
  for (;;) {
    epoll_event ev{};
    in_reactor_.fetch_add(1, std::memory_order_relaxed);
    int n = ::epoll_wait(epoll_.get(), &ev, 1, -1);
    in_reactor_.fetch_sub(1, std::memory_order_relaxed);
    if (n < 0) {
      if (errno == EINTR) continue;
      log::error("rpc: epoll_wait failed: {}; serving thread exits", std::strerror(errno));
      return;
    }
    if (n == 0) continue;
    auto* watch = static_cast<Watch*>(ev.data.ptr);
    switch (watch->kind) {
      case Watch::Kind::kStop:
        return;
      case Watch::Kind::kReaper: {
        std::uint64_t expirations = 0;
        (void)!::read(reaper_timer_.get(), &expirations, sizeof expirations);
        reap_slow_connections();
        rearm(watch, reaper_timer_.get());
        break;
      }
      case Watch::Kind::kListener: {
        auto* listener = static_cast<detail::Listener*>(watch);
        accept_ready(*listener);
        rearm(listener, listener->socket.fd.get());
        break;
      }
      case Watch::Kind::kConnection: {
        auto* connection = static_cast<ServerConnection*>(watch);
        ServerConnection::Outcome outcome;
        {
          // Re-armed before `busy` is released: the next thread to get this connection from epoll
          // locks `busy` first, so every access of ours happens before every access of its.
          std::unique_lock busy = lock_busy(*connection);
          outcome = connection->on_readable();
          // A hot connection keeps its thread while other threads watch the reactor.
          while (outcome == ServerConnection::Outcome::kKeep && connection->between_calls() && try_park()) {
            ServerConnection::Outcome more = connection->wait_for_more();
            parked_.fetch_sub(1, std::memory_order_relaxed);
            if (more == ServerConnection::Outcome::kIdle) break;
            outcome = more;
          }
          if (outcome == ServerConnection::Outcome::kKeep) rearm(connection, connection->fd());
        }
        if (outcome == ServerConnection::Outcome::kClose) close_connection(connection);
        break;
      }
    }
  }
}

void Server::accept_ready(detail::Listener& listener) {
  // Bounded per wake-up so one busy endpoint cannot starve the others.
  for (int i = 0; i < 64; ++i) {
    // Blocking sockets: every read and write that must not block says so (MSG_DONTWAIT); the one
    // read that may block (a parked thread waiting on a hot connection) is bounded by SO_RCVTIMEO.
    UniqueFd fd(::accept4(listener.socket.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) log::warn("rpc: accept failed: {}", std::strerror(errno));
      return;
    }
    if (options_.park_timeout.count() > 0) {
      timeval tv{};
      tv.tv_sec = static_cast<time_t>(options_.park_timeout.count() / 1'000'000);
      tv.tv_usec = static_cast<suseconds_t>(options_.park_timeout.count() % 1'000'000);
      (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    } else {
      (void)::fcntl(fd.get(), F_SETFL, O_NONBLOCK);
    }
    if (connection_count() >= options_.limits.max_connections) {
      log::warn("rpc: refusing a connection on {}: {} connections open (limit)",
                listener.socket.bound.to_string(), options_.limits.max_connections);
      continue;  // closed by UniqueFd
    }
    TransportPeer peer;
    if (listener.socket.bound.is_local()) {
      auto credentials = identity::PeerCredentials::from_socket(fd.get());
      if (!credentials.ok()) {
        log::warn("rpc: refusing a connection without peer credentials: {}", credentials.status().to_string());
        continue;
      }
      peer.kind = TransportKind::kLocal;
      peer.description = "uid " + std::to_string(credentials->uid) +
                         (credentials->pid ? " pid " + std::to_string(*credentials->pid) : std::string());
      peer.credentials = std::move(credentials).value();
    } else {
      detail::configure_accepted_tcp(fd.get());
      peer.kind = TransportKind::kTcp;
      peer.description = describe_tcp_peer(fd.get());
    }
    const int raw_fd = fd.get();
    auto connection = std::make_unique<ServerConnection>(*this, std::move(fd), std::move(peer),
                                                         listener.socket.bound.endpoint);
    ServerConnection* raw = connection.get();
    { std::lock_guard busy(raw->busy); }  // publishes the construction to the thread that serves it
    {
      std::lock_guard lock(mu_);
      connections_.emplace(raw, std::move(connection));
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.ptr = static_cast<Watch*>(raw);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, raw_fd, &ev) != 0) {
      log::error("rpc: epoll_ctl(ADD) failed: {}", std::strerror(errno));
      std::lock_guard lock(mu_);
      connections_.erase(raw);
    }
  }
}

bool Server::try_park() noexcept {
  if (options_.park_timeout.count() <= 0 || stopping_.load(std::memory_order_relaxed)) return false;
  // Someone else must be watching the reactor (checked before every wait, so a thread stops parking
  // as soon as its peers are all busy; new work then waits at most one park_timeout).
  if (in_reactor_.load(std::memory_order_relaxed) == 0) return false;
  if (parked_.fetch_add(1, std::memory_order_relaxed) < options_.threads - 1) return true;
  parked_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

void Server::reap_slow_connections() {
  const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  const std::int64_t limit =
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.limits.partial_pdu_timeout).count();
  std::lock_guard lock(mu_);  // connections cannot be destroyed while we look at them
  for (auto& [raw, connection] : connections_) {
    const std::int64_t since = connection->waiting_since();
    if (since == 0 || now - since < limit) continue;
    std::unique_lock busy(connection->busy, std::try_to_lock);
    if (!busy.owns_lock()) continue;  // being served right now: not slow
    log::warn("rpc: {}: incomplete PDU or no bind for {} ms; closing", connection->peer().description,
              options_.limits.partial_pdu_timeout.count());
    // Wakes the connection's owner path: its next read sees EOF and closes it there.
    ::shutdown(connection->fd(), SHUT_RDWR);
  }
}

void Server::close_connection(ServerConnection* connection) {
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, connection->fd(), nullptr);
  std::unique_ptr<ServerConnection> owned;
  {
    std::lock_guard lock(mu_);
    auto it = connections_.find(connection);
    if (it == connections_.end()) return;
    owned = std::move(it->second);
    connections_.erase(it);
  }
  // Destroyed outside the lock: closing the socket is the last thing that happens to it.
}

}  // namespace guise::rpc
