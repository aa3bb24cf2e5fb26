// connection_pool.h: idle client connections, keyed by who they present to the server.
//
// Key = (endpoint, auth info, presented identity). A connection is attested by the kernel for the
// identity of the thread that opened it, so it is only ever handed to a thread presenting the same
// identity (spec R56: a connection attested for one identity is never used for another). take()
// hands a connection to one caller exclusively; give_back() keeps at most `max_idle` per key.
// Thread-safety: all members are safe from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "rpc/client.h"
#include "rpc/presented_identity.h"

namespace guise::rpc {
namespace detail {
class ClientConnection;
}

struct PoolKey {
  std::string endpoint;
  AuthInfo auth;
  PresentedIdentity presented;
  friend bool operator==(const PoolKey&, const PoolKey&) = default;
};

class ConnectionPool {
 public:
  ConnectionPool();
  ~ConnectionPool();
  std::unique_ptr<detail::ClientConnection> take(const PoolKey& key);
  void give_back(const PoolKey& key, std::unique_ptr<detail::ClientConnection> connection, std::size_t max_idle);
  std::size_t idle_count() const;

 private:
  struct Entry {
    PoolKey key;
    std::vector<std::unique_ptr<detail::ClientConnection>> idle;
  };
  mutable std::mutex mu_;
  std::vector<Entry> entries_;  // few keys per client: a vector beats a hash map here
};

}  // namespace guise::rpc
