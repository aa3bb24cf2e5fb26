// peer_accounts.h: what each peer holds on a server — connections, running calls and reassembly
// memory — as shares of server-wide budgets (DESIGN decision 8).
//
// ServerBudget is the set of effective figures: the Limits, lowered where the process's own limits
// say so (RLIMIT_NOFILE for connections, RLIMIT_DATA/RLIMIT_AS for reassembly memory). PeerAccounts
// admits a connection only if the server has a slot (the reserved ones only for privileged peers) and
// its peer is under its quota; the Admission it returns keeps the slot until destroyed. A PeerAccount
// is shared by every connection of one peer and counts its running calls and its reassembly bytes.
// Thread-safety: PeerAccounts and PeerAccount are safe to use from any thread; an Admission belongs to
// its connection. PeerAccounts must outlive every Admission.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "rpc/limits.h"
#include "rpc/memory_budget.h"

namespace guise::rpc {

struct ServerBudget {
  std::uint32_t max_connections = 0;  // min(Limits::max_connections, what RLIMIT_NOFILE allows)
  std::uint32_t reserved_connections = 0;
  std::uint32_t max_connections_per_peer = 0;
  std::uint32_t max_calls_per_peer = 0;
  std::size_t max_reassembly_bytes = 0;
  std::size_t max_reassembly_bytes_per_peer = 0;

  // Reads the process's limits now (call it when the server starts, after the application has set
  // them).
  static ServerBudget derive(const Limits& limits);
  // Descriptors a connection may hold: the socket and, for ncalrpc, the peer's pidfd.
  static constexpr std::uint32_t kDescriptorsPerConnection = 2;
};

// Who a peer is, for budgets: a uid over ncalrpc, an address over TCP.
struct PeerKey {
  std::string name;  // "uid 41001" or "tcp 127.0.0.1"
  bool privileged = false;  // uid 0 or the server's own uid, over ncalrpc
};

class PeerAccount {
 public:
  PeerAccount(PeerKey key, const ServerBudget& budget, MemoryBudget& server_reassembly);
  PeerAccount(const PeerAccount&) = delete;
  PeerAccount& operator=(const PeerAccount&) = delete;

  const std::string& name() const noexcept { return key_.name; }
  bool privileged() const noexcept { return key_.privileged; }
  // This peer's share of the server's reassembly memory.
  MemoryBudget& reassembly() noexcept { return reassembly_; }
  // A call of this peer starts running; false when it already runs its share (privileged peers have
  // no share of their own). Pair with end_call().
  [[nodiscard]] bool try_begin_call() noexcept;
  void end_call() noexcept { calls_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  friend class PeerAccounts;
  PeerKey key_;
  std::uint32_t max_calls_;
  std::atomic<std::uint32_t> calls_{0};
  MemoryBudget reassembly_;
  std::uint32_t connections_ = 0;  // guarded by PeerAccounts::mu_
};

class PeerAccounts {
 public:
  explicit PeerAccounts(const ServerBudget& budget);
  PeerAccounts(const PeerAccounts&) = delete;
  PeerAccounts& operator=(const PeerAccounts&) = delete;

  // One connection's slot; given back when destroyed.
  class Admission {
   public:
    Admission() = default;
    Admission(Admission&& other) noexcept;
    Admission& operator=(Admission&& other) noexcept;
    ~Admission();
    PeerAccount* account() const noexcept { return account_.get(); }

   private:
    friend class PeerAccounts;
    Admission(PeerAccounts* owner, std::shared_ptr<PeerAccount> account) noexcept
        : owner_(owner), account_(std::move(account)) {}
    void release() noexcept;
    PeerAccounts* owner_ = nullptr;
    std::shared_ptr<PeerAccount> account_;
  };

  enum class Refusal { kServerFull, kPeerQuota };
  struct Decision {
    std::optional<Admission> admitted;
    Refusal refusal = Refusal::kServerFull;  // when not admitted
  };
  Decision admit(PeerKey key);

  const ServerBudget& budget() const noexcept { return budget_; }
  std::uint32_t open_connections() const;
  MemoryBudget& reassembly() noexcept { return reassembly_; }

 private:
  void release(PeerAccount& account) noexcept;

  const ServerBudget budget_;
  MemoryBudget reassembly_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<PeerAccount>> accounts_;  // peers with a connection
  std::uint32_t open_ = 0;
};

}  // namespace guise::rpc
