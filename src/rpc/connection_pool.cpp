// connection_pool.cpp: exclusive hand-out of idle connections per (endpoint, auth, identity).
#include "rpc/connection_pool.h"

#include <algorithm>

#include "rpc/detail/client_connection.h"

namespace guise::rpc {

ConnectionPool::ConnectionPool() = default;
ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<detail::ClientConnection> ConnectionPool::take(const PoolKey& key) {
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    if (e.key == key && !e.idle.empty()) {
      auto c = std::move(e.idle.back());
      e.idle.pop_back();
      return c;
    }
  }
  return nullptr;
}

void ConnectionPool::give_back(const PoolKey& key, std::unique_ptr<detail::ClientConnection> connection,
                               std::size_t max_idle) {
  if (!connection || connection->broken()) return;
  std::lock_guard lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
  if (it == entries_.end()) {
    entries_.push_back(Entry{key, {}});
    it = std::prev(entries_.end());
  }
  if (it->idle.size() < max_idle) it->idle.push_back(std::move(connection));
}

std::size_t ConnectionPool::idle_count() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& e : entries_) n += e.idle.size();
  return n;
}

}  // namespace guise::rpc
