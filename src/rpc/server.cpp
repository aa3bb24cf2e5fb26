// server.cpp: the epoll reactor, its pool of leader/followers threads, and accepting connections.
#include "rpc/server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "identity/impersonation.h"
#include "identity/process_thread.h"
#include "rpc/audit.h"
#include "rpc/detail/server_connection.h"
#include "rpc/fault_status.h"
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
  std::atomic<bool> paused{false};  // not armed in epoll: descriptors ran out
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

// Connections refused for a quota are kept only until they send their bind, to answer it with a
// bind_nak naming its call_id; beyond this many at once they are closed at once instead.
constexpr unsigned kMaxRefusing = 16;
// How long a listener rests after the process ran out of descriptors.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

itimerspec timer_spec(std::chrono::nanoseconds first, std::chrono::nanoseconds period) {
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(first.count() / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(first.count() % 1'000'000'000);
  spec.it_interval.tv_sec = static_cast<time_t>(period.count() / 1'000'000'000);
  spec.it_interval.tv_nsec = static_cast<long>(period.count() % 1'000'000'000);
  return spec;
}

// The reaper's period: half the shortest timeout it enforces, between 10 ms and 5 s.
std::chrono::nanoseconds reaper_period(const Limits& limits) {
  std::chrono::milliseconds shortest = std::chrono::minutes(10);
  for (auto t : {limits.partial_pdu_timeout, limits.idle_timeout}) {
    if (t.count() > 0) shortest = std::min(shortest, t);
  }
  return std::clamp<std::chrono::nanoseconds>(shortest / 2, std::chrono::milliseconds(10), std::chrono::seconds(5));
}

UniqueFd open_spare_fd() { return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)); }

// Who a peer is for the budgets, read before anything else is spent on the connection.
std::optional<PeerKey> peer_key(int fd, bool local, uid_t own_uid, uid_t own_euid) {
  if (local) {
    ucred credentials{};
    socklen_t length = sizeof credentials;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0 ||
        credentials.uid == static_cast<uid_t>(-1)) {
      return std::nullopt;
    }
    const uid_t uid = credentials.uid;
    return PeerKey{"uid " + std::to_string(uid), uid == 0 || uid == own_uid || uid == own_euid};
  }
  std::string address = describe_tcp_peer(fd);
  if (auto colon = address.rfind(':'); colon != std::string::npos) address.resize(colon);  // the port
  return PeerKey{"tcp " + address, false};
}

}  // namespace

// --- call slots ---

Server::CallSlot::CallSlot(CallSlot&& other) noexcept
    : server_(std::exchange(other.server_, nullptr)),
      account_(std::exchange(other.account_, nullptr)),
      holds_handler_(std::exchange(other.holds_handler_, false)) {}

Server::CallSlot::~CallSlot() {
  if (server_ == nullptr) return;
  if (account_ != nullptr) account_->end_call();
  release_handler();
}

void Server::CallSlot::release_handler() noexcept {
  if (server_ == nullptr || !holds_handler_) return;
  holds_handler_ = false;
  server_->handlers_running_.fetch_sub(1, std::memory_order_relaxed);
}

std::variant<Server::CallSlot, Server::Busy> Server::begin_call(PeerAccount* account) noexcept {
  unsigned running = handlers_running_.load(std::memory_order_relaxed);
  do {
    if (running >= max_handlers_) return Busy::kServer;
  } while (!handlers_running_.compare_exchange_weak(running, running + 1, std::memory_order_relaxed));
  if (account != nullptr && !account->try_begin_call()) {
    handlers_running_.fetch_sub(1, std::memory_order_relaxed);
    return Busy::kPeer;
  }
  return CallSlot(this, account);
}

// --- construction and configuration ---

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      stop_event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      stop_watch_(std::make_unique<Watch>(Watch::Kind::kStop)),
      resume_timer_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      resume_watch_(std::make_unique<Watch>(Watch::Kind::kAcceptResume)),
      spare_fd_(open_spare_fd()),
      own_uid_(::getuid()),
      own_euid_(::geteuid()),
      accounts_(std::make_unique<PeerAccounts>(ServerBudget::derive(options_.limits))) {
  GUISE_ASSERT(epoll_.valid() && stop_event_.valid() && resume_timer_.valid(), "epoll/eventfd/timerfd: ",
               std::strerror(errno));
  GUISE_ASSERT(options_.threads > 0, "a server needs at least one thread");
  GUISE_ASSERT(options_.limits.max_recv_frag >= kMinFragSize && options_.limits.max_xmit_frag >= kMinFragSize,
               "fragment sizes below 1432");
  max_threads_ = std::max(options_.threads, options_.max_threads);
  // One thread never runs a handler, so accepting, reading and reaping go on whatever handlers do
  // (a one-thread server cannot keep that promise).
  max_handlers_ = std::max(1u, max_threads_ - 1);
  // Level-triggered and never re-armed: once signalled, every thread sees it and leaves.
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = stop_watch_.get();
  GUISE_ASSERT(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, stop_event_.get(), &ev) == 0, "epoll_ctl");
  epoll_event resume_ev{};
  resume_ev.events = EPOLLIN;
  resume_ev.data.ptr = resume_watch_.get();
  GUISE_ASSERT(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, resume_timer_.get(), &resume_ev) == 0, "epoll_ctl");
  providers_.push_back(std::make_unique<LocalSecurityProvider>());
  const Limits& limits = options_.limits;
  if (limits.partial_pdu_timeout.count() > 0 || limits.idle_timeout.count() > 0) {
    // A periodic timer on which one thread at a time looks for slow and idle connections.
    reaper_timer_ = UniqueFd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    reaper_watch_ = std::make_unique<Watch>(Watch::Kind::kReaper);
    GUISE_ASSERT(reaper_timer_.valid(), "timerfd_create: ", std::strerror(errno));
    const auto period = reaper_period(limits);
    const itimerspec spec = timer_spec(period, period);
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
  audit::configure_from_environment();  // GUISE_AUDIT, read when the first server starts
  GUISE_ASSERT(!started_ && !stopped_, "start() twice or after stop()");
  identity::log_impersonation_mode_once();
  // The process's limits as they are now (the application may have raised RLIMIT_NOFILE).
  accounts_ = std::make_unique<PeerAccounts>(ServerBudget::derive(options_.limits));
  const ServerBudget& b = accounts_->budget();
  log::debug("rpc: at most {} connections ({} reserved for root and uid {}; {} per peer), {} threads, "
             "{} bytes of reassembly ({} per peer), {} running calls per peer",
             b.max_connections, b.reserved_connections, own_uid_, b.max_connections_per_peer, max_threads_,
             b.max_reassembly_bytes, b.max_reassembly_bytes_per_peer, b.max_calls_per_peer);
  started_ = true;
  for (unsigned i = 0; i < options_.threads; ++i) {
    if (!spawn_thread(true)) return unavailable("cannot start serving threads");
  }
  return Status::Ok();
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(threads_mu_);  // no thread starts once this is seen
    stopping_.store(true);
  }
  std::uint64_t one = 1;
  (void)!::write(stop_event_.get(), &one, sizeof one);
  {
    // Deferred calls still waiting for their replies hear RPC_S_CALL_FAILED now, before their
    // connections close (deferred_reply.h). Then wakes threads parked on hot connections (their recv
    // returns at once); connections are only destroyed under mu_, so every fd here is still open.
    std::lock_guard lock(mu_);
    for (auto& [raw, connection] : connections_) connection->fault_deferred_calls(kRpcSCallFailed);
    for (auto& [raw, connection] : connections_) ::shutdown(connection->fd(), SHUT_RDWR);
  }
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(threads_mu_);
    threads.swap(threads_);
    finished_threads_.clear();
  }
  for (auto& t : threads) t.join();
  std::lock_guard lock(mu_);
  connections_.clear();
  listeners_.clear();
}

std::size_t Server::connection_count() const {
  std::lock_guard lock(mu_);
  return connections_.size();
}

// --- the pool ---

bool Server::spawn_thread(bool initial) {
  std::lock_guard lock(threads_mu_);
  if (stopping_.load()) return false;
  if (!initial && live_threads_.load(std::memory_order_relaxed) >= max_threads_) return false;
  // Threads that left are joined here (they have returned or are about to), so the list stays short.
  for (std::thread::id id : finished_threads_) {
    auto it = std::find_if(threads_.begin(), threads_.end(), [&](const std::thread& t) { return t.get_id() == id; });
    if (it != threads_.end()) {
      it->join();
      threads_.erase(it);
    }
  }
  finished_threads_.clear();
  live_threads_.fetch_add(1, std::memory_order_relaxed);
  try {
    // At the process identity even when the spawning thread impersonates (a handler about to block).
    threads_.push_back(identity::start_process_thread([this] { run_thread(); }));
  } catch (const std::system_error& e) {
    live_threads_.fetch_sub(1, std::memory_order_relaxed);
    log::warn("rpc: cannot start a serving thread: {}", e.what());
    return false;
  }
  return true;
}

void Server::ensure_reactor_watched() noexcept {
  if (in_reactor_.load() > 0) return;
  if (live_threads_.load(std::memory_order_relaxed) >= max_threads_) return;
  (void)spawn_thread(false);
}

void Server::thread_finished() noexcept {
  // The last thing a leaving thread does with the server: after this, stop() or the next spawn may
  // join it at any moment.
  std::lock_guard lock(threads_mu_);
  if (!stopping_.load()) finished_threads_.push_back(std::this_thread::get_id());
}

void Server::run_thread() {
  // Leaves the pool however the thread ends: returning, retiring, or unwound by pthread_exit or
  // cancellation from inside a handler.
  struct PoolMembership {
    Server& server;
    bool counted = true;
    ~PoolMembership() {
      if (counted) server.live_threads_.fetch_sub(1, std::memory_order_relaxed);
      server.thread_finished();
    }
  } membership{*this};
  // The thread's own outermost scope: each call's ProcessIdentityScope then starts from the ids saved
  // here instead of reading them from the kernel again (3 syscalls per call), and still verifies the
  // thread against the kernel when the call ends. Ids are captured when the thread starts: a server
  // whose process changes its ids while serving must restart its threads.
  identity::ProcessIdentityScope thread_ground;
  const int idle_ms = static_cast<int>(std::max<std::int64_t>(1, options_.idle_thread_timeout.count()));
  for (;;) {
    // Threads above the initial pool wait with a timeout and leave when it passes with nothing to do.
    const bool extra = live_threads_.load(std::memory_order_relaxed) > options_.threads;
    epoll_event ev{};
    in_reactor_.fetch_add(1);
    int n = ::epoll_wait(epoll_.get(), &ev, 1, extra ? idle_ms : -1);
    in_reactor_.fetch_sub(1);
    if (n < 0) {
      if (errno == EINTR) continue;
      log::error("rpc: epoll_wait failed: {}; serving thread exits", std::strerror(errno));
      return;
    }
    if (n == 0) {
      unsigned live = live_threads_.load(std::memory_order_relaxed);
      while (live > options_.threads) {
        if (live_threads_.compare_exchange_weak(live, live - 1, std::memory_order_relaxed)) {
          membership.counted = false;
          return;
        }
      }
      continue;
    }
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
      case Watch::Kind::kAcceptResume: {
        std::uint64_t expirations = 0;
        // Level-triggered: only the thread whose read consumed the expiry resumes the listeners.
        if (::read(resume_timer_.get(), &expirations, sizeof expirations) == sizeof expirations) resume_accepting();
        break;
      }
      case Watch::Kind::kListener: {
        auto* listener = static_cast<detail::Listener*>(watch);
        if (accept_ready(*listener)) rearm(listener, listener->socket.fd.get());
        break;
      }
      case Watch::Kind::kConnection:
        serve_connection(static_cast<ServerConnection*>(watch));
        break;
    }
  }
}

void Server::serve_connection(ServerConnection* connection) {
  // A handler that ends its thread (pthread_exit, cancellation) unwinds through here: its call will
  // never be answered, so the association is closed; the pool forgets the thread (run_thread).
  struct CloseOnUnwind {
    Server& server;
    ServerConnection* connection;
    bool armed = true;
    ~CloseOnUnwind() {
      if (!armed) return;
      log::warn("rpc: {}: a handler ended its serving thread; closing the association",
                connection->peer().description);
      server.close_connection(connection);
    }
  } close_on_unwind{*this, connection};
  ServerConnection::Outcome outcome;
  {
    // Re-armed before `busy` is released: the next thread to get this connection from epoll locks
    // `busy` first, so every access of ours happens before every access of its.
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
  close_on_unwind.armed = false;
  if (outcome == ServerConnection::Outcome::kClose) close_connection(connection);
}

bool Server::try_park() noexcept {
  if (options_.park_timeout.count() <= 0 || stopping_.load(std::memory_order_relaxed)) return false;
  // Someone else must be watching the reactor (checked before every wait, so a thread stops parking
  // as soon as its peers are all busy; new work then waits at most one park_timeout — and a thread
  // that leaves the reactor to block starts another, see ensure_reactor_watched()).
  if (in_reactor_.load() == 0) return false;
  const unsigned live = live_threads_.load(std::memory_order_relaxed);
  if (parked_.fetch_add(1, std::memory_order_relaxed) + 1 < live) return true;
  parked_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

// --- accepting ---

bool Server::accept_ready(detail::Listener& listener) {
  // Bounded per wake-up so one busy endpoint cannot starve the others.
  for (int i = 0; i < 64; ++i) {
    // Blocking sockets: every read and write that must not block says so (MSG_DONTWAIT); the one
    // read that may block (a parked thread waiting on a hot connection) is bounded by SO_RCVTIMEO.
    UniqueFd fd(::accept4(listener.socket.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (fd) {
      admit(listener, std::move(fd));
      continue;
    }
    const int error = errno;
    if (error == EINTR || error == ECONNABORTED) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) return true;
    // EMFILE/ENFILE (descriptors), ENOBUFS/ENOMEM (kernel memory) or anything else: refuse one
    // queued connection with the spare descriptor, so its client hears a close rather than waits,
    // then rest the listener instead of retrying at once (a retry would fail the same way, for
    // ever, on every thread).
    if (error == EMFILE || error == ENFILE) shed_one_connection(listener);
    std::uint64_t suppressed = 0;
    if (accept_error_log_.allow(suppressed)) {
      log::warn("rpc: cannot accept on {}: {}; refusing connections for {} ms{}", listener.socket.bound.to_string(),
                std::strerror(error), kAcceptPause.count(),
                suppressed ? " (" + std::to_string(suppressed) + " more since the last line)" : std::string());
    }
    listener.paused.store(true);
    const itimerspec spec = timer_spec(kAcceptPause, std::chrono::nanoseconds(0));
    (void)::timerfd_settime(resume_timer_.get(), 0, &spec, nullptr);
    return false;
  }
  return true;
}

void Server::shed_one_connection(detail::Listener& listener) {
  std::lock_guard lock(spare_mu_);
  if (!spare_fd_) return;
  spare_fd_.reset();
  UniqueFd refused(::accept4(listener.socket.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
  refused.reset();  // its client sees the connection closed
  spare_fd_ = open_spare_fd();
}

void Server::resume_accepting() {
  {
    std::lock_guard lock(spare_mu_);
    if (!spare_fd_) spare_fd_ = open_spare_fd();
  }
  std::lock_guard lock(mu_);
  for (auto& listener : listeners_) {
    if (listener->paused.exchange(false)) rearm(listener.get(), listener->socket.fd.get());
  }
}

void Server::admit(detail::Listener& listener, UniqueFd fd) {
  const bool local = listener.socket.bound.is_local();
  std::optional<PeerKey> key = peer_key(fd.get(), local, own_uid_, own_euid_);
  if (!key) {
    log::warn("rpc: refusing a connection on {} without peer credentials", listener.socket.bound.to_string());
    return;
  }
  std::string who = key->name;
  PeerAccounts::Decision decision = accounts_->admit(std::move(*key));
  std::optional<BindNakReason> refusal;
  if (!decision.admitted) {
    const bool full = decision.refusal == PeerAccounts::Refusal::kServerFull;
    const ServerBudget& b = accounts_->budget();
    // Kept (a few at a time) until its bind arrives, to answer it; otherwise closed now.
    const bool answer = refusing_.fetch_add(1) < kMaxRefusing;
    if (!answer) refusing_.fetch_sub(1);
    std::uint64_t suppressed = 0;
    if (refusal_log_.allow(suppressed)) {
      log::warn("rpc: refusing a connection from {} on {}: {}; {}{}", who, listener.socket.bound.to_string(),
                full ? "the server has " + std::to_string(b.max_connections) + " connections (" +
                           std::to_string(b.reserved_connections) + " reserved for root and its own uid)"
                     : "it holds its " + std::to_string(b.max_connections_per_peer) + " connections",
                answer ? "its bind gets bind_nak local_limit_exceeded" : "closed",
                suppressed ? " (" + std::to_string(suppressed) + " more since the last line)" : std::string());
    }
    if (!answer) return;  // closed by UniqueFd
    refusal = BindNakReason::kLocalLimitExceeded;
  }
  if (options_.park_timeout.count() > 0 && !refusal) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(options_.park_timeout.count() / 1'000'000);
    tv.tv_usec = static_cast<suseconds_t>(options_.park_timeout.count() % 1'000'000);
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  } else {
    (void)::fcntl(fd.get(), F_SETFL, O_NONBLOCK);
  }
  TransportPeer peer;
  if (local) {
    if (refusal) {
      peer.description = who;  // a refused peer costs no pidfd
    } else {
      auto credentials = identity::PeerCredentials::from_socket(fd.get());
      if (!credentials.ok()) {
        log::warn("rpc: refusing a connection without peer credentials: {}", credentials.status().to_string());
        return;
      }
      peer.description = "uid " + std::to_string(credentials->uid) +
                         (credentials->pid ? " pid " + std::to_string(*credentials->pid) : std::string());
      peer.credentials = std::move(credentials).value();
    }
    peer.kind = TransportKind::kLocal;
  } else {
    detail::configure_accepted_tcp(fd.get());
    peer.kind = TransportKind::kTcp;
    peer.description = describe_tcp_peer(fd.get());
  }
  const int raw_fd = fd.get();
  PeerAccounts::Admission admission;
  if (decision.admitted) admission = std::move(*decision.admitted);
  auto connection = std::make_unique<ServerConnection>(*this, std::move(fd), std::move(peer),
                                                       listener.socket.bound.endpoint, std::move(admission), refusal);
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
    close_connection(raw);
  }
}

// --- reaping and closing ---

void Server::reap_slow_connections() {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::lock_guard lock(mu_);  // connections cannot be destroyed while we look at them
  for (auto& [raw, connection] : connections_) {
    const std::int64_t deadline = connection->reap_deadline();
    if (deadline == 0 || now < deadline) continue;
    std::unique_lock busy(connection->busy, std::try_to_lock);
    if (!busy.owns_lock()) continue;  // being served right now: not slow
    const char* why = "";
    std::chrono::milliseconds after{0};
    switch (connection->waiting_for()) {
      case ServerConnection::Waiting::kBind:
        why = "no bind";
        after = options_.limits.partial_pdu_timeout;
        break;
      case ServerConnection::Waiting::kRestOfPdu:
        why = "an incomplete PDU";
        after = options_.limits.partial_pdu_timeout;
        break;
      case ServerConnection::Waiting::kNextCall:
        why = "idle";
        after = options_.limits.idle_timeout;
        break;
      case ServerConnection::Waiting::kNothing:
        continue;
    }
    log::info("rpc: {}: {} for {} ms; closing", connection->peer().description, why, after.count());
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
  if (owned->refused()) refusing_.fetch_sub(1);
  // Destroyed outside the lock: closing the socket is the last thing that happens to it.
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

}  // namespace guise::rpc
