// peer.h: what one peer program of the comparison (bench/peers/) provides — a server and a client of
// one null call, 100 octets each way — and the main() every peer program shares.
//
// The driver (peers.py) runs each peer program as separate processes (fork + exec, so no library's
// threads are ever forked): one server, then one or more clients; every measurement happens in a
// client process and is printed as one line on its stdout. A program serves, or measures, with one
// library only, so each server's memory is that library's own.
//
// Thread-safety: a Peer's functions are called from the program's main thread only; a Connection is
// used by the thread that made it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace guise::peers {

// Octets of the request and of the reply of every call.
inline constexpr std::size_t kPayload = 100;

// One client connection to the server. call() sends kPayload octets and returns once the kPayload
// octets of the reply are in `reply`; it aborts the program on any failure (a benchmark that cannot
// call measures nothing).
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void call(const std::byte* request, std::byte* reply) = 0;
};

struct Peer {
  // Starts serving at `address` (a socket path, or for D-Bus the bus address) on threads of its own
  // and returns once calls are accepted, with the address clients are given (the same, or for COM
  // the marshaled object reference). `idle` asks for the server the idle-memory run measures, when it
  // differs from the one that serves calls.
  std::function<std::string(const std::string& address, bool idle)> serve;
  // One connection to what serve() returned.
  std::function<std::unique_ptr<Connection>(const std::string& address)> connect;
  // One established, silent connection for the idle-memory run; unset: connect() and one call.
  std::function<std::unique_ptr<Connection>(const std::string& address)> connect_idle;
};

// The modes (each prints one line on stdout; see peer_main.cpp):
//   serve [--idle] ADDRESS     "address A" once serving; exits when stdin closes
//   latency ADDRESS COUNT      "latency MEDIAN_US P99_US MEAN_US" over COUNT timed calls
//   throughput ADDRESS         "ready", then per line "SECONDS" on stdin, calls for that long: "calls N SECONDS"
//   idle ADDRESS N             N idle connections, then "ready N"; exits when stdin closes
int peer_main(int argc, char** argv, const Peer& peer);

// Aborts with `what` on stderr (the peers' failures: nothing to measure after one).
[[noreturn]] void fail(const std::string& what);

}  // namespace guise::peers
