// peer_accounts.cpp: admission of connections against the server's budgets and each peer's share.
#include "rpc/peer_accounts.h"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace guise::rpc {
namespace {

constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

std::uint64_t soft_limit(int resource) {
  rlimit limit{};
  if (::getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return limit.rlim_cur;
}

}  // namespace

ServerBudget ServerBudget::derive(const Limits& limits) {
  ServerBudget b;
  // Descriptors: a reserve for the rest of the process (listeners, epoll, handlers' own files),
  // the rest shared by connections at two each. Checked before accept, so the server refuses
  // connections itself instead of meeting EMFILE.
  const std::uint64_t nofile = soft_limit(RLIMIT_NOFILE);
  const std::uint64_t fd_reserve = 64 + nofile / 8;
  const std::uint64_t by_descriptors = nofile > fd_reserve ? (nofile - fd_reserve) / kDescriptorsPerConnection : 1;
  b.max_connections = static_cast<std::uint32_t>(
      std::max<std::uint64_t>(1, std::min<std::uint64_t>(limits.max_connections, by_descriptors)));
  b.reserved_connections = std::min(limits.reserved_connections, b.max_connections / 4);
  b.max_connections_per_peer = std::max<std::uint32_t>(1, limits.max_connections_per_peer);
  b.max_calls_per_peer = std::max<std::uint32_t>(1, limits.max_calls_per_peer);
  // Memory: at most a quarter of the data segment or address space the process may have.
  const std::uint64_t memory = std::min(soft_limit(RLIMIT_DATA), soft_limit(RLIMIT_AS));
  b.max_reassembly_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(limits.max_reassembly_bytes, memory / 4));
  b.max_reassembly_bytes_per_peer = std::min(limits.max_reassembly_bytes_per_peer, b.max_reassembly_bytes);
  return b;
}

PeerAccount::PeerAccount(PeerKey key, const ServerBudget& budget, MemoryBudget& server_reassembly)
    : key_(std::move(key)),
      max_calls_(key_.privileged ? std::numeric_limits<std::uint32_t>::max() : budget.max_calls_per_peer),
      reassembly_(key_.privileged ? kUnlimited : budget.max_reassembly_bytes_per_peer, &server_reassembly) {}

bool PeerAccount::try_begin_call() noexcept {
  std::uint32_t running = calls_.load(std::memory_order_relaxed);
  do {
    if (running >= max_calls_) return false;
  } while (!calls_.compare_exchange_weak(running, running + 1, std::memory_order_relaxed));
  return true;
}

PeerAccounts::PeerAccounts(const ServerBudget& budget) : budget_(budget), reassembly_(budget.max_reassembly_bytes) {}

PeerAccounts::Decision PeerAccounts::admit(PeerKey key) {
  std::lock_guard lock(mu_);
  const std::uint32_t slots =
      key.privileged ? budget_.max_connections : budget_.max_connections - budget_.reserved_connections;
  if (open_ >= slots) return Decision{std::nullopt, Refusal::kServerFull};
  auto& account = accounts_[key.name];
  if (!account) account = std::make_shared<PeerAccount>(std::move(key), budget_, reassembly_);
  if (!account->privileged() && account->connections_ >= budget_.max_connections_per_peer) {
    return Decision{std::nullopt, Refusal::kPeerQuota};
  }
  ++account->connections_;
  ++open_;
  return Decision{Admission(this, account), Refusal::kServerFull};
}

std::uint32_t PeerAccounts::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

void PeerAccounts::release(PeerAccount& account) noexcept {
  std::lock_guard lock(mu_);
  --open_;
  // The map entry goes with the peer's last connection; the account itself lives on while anything
  // (a call still running, a reservation) holds it.
  if (--account.connections_ == 0) accounts_.erase(account.name());
}

PeerAccounts::Admission::Admission(Admission&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), account_(std::move(other.account_)) {}

PeerAccounts::Admission& PeerAccounts::Admission::operator=(Admission&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    account_ = std::move(other.account_);
  }
  return *this;
}

PeerAccounts::Admission::~Admission() { release(); }

void PeerAccounts::Admission::release() noexcept {
  if (owner_ != nullptr && account_) owner_->release(*account_);
  owner_ = nullptr;
  account_.reset();
}

}  // namespace guise::rpc
