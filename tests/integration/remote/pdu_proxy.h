// pdu_proxy.h: a man in the middle on 127.0.0.1 that can alter DCE/RPC PDUs in flight (tests only).
//
// Listens on an ephemeral port and relays one connection at a time to the real server, PDU by PDU.
// A mutation may replace each client→server request PDU (tamper, replay, reorder, strip the
// verifier, lower its level) or each server→client response PDU; everything the server sends is
// recorded so a test can read the fault it answered. A connection is relayed until the server's side
// ends, so every PDU the server sent is recorded (before it is forwarded) by the time the client
// has seen it or the end of the connection — even when the server closed while the proxy was still
// sending. Every wait is bounded (poll, 10 s).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace guise::rpc::testing {

using Pdu = std::vector<std::byte>;

class PduProxy {
 public:
  // Called for every PDU of a direction with its index (0-based per connection and direction);
  // returns the PDUs to send instead (empty: drop it).
  using Mutation = std::function<std::vector<Pdu>(int index, const Pdu& pdu)>;

  PduProxy(int server_port, Mutation to_server, Mutation to_client = nullptr);
  ~PduProxy();
  int port() const { return port_; }
  // Every PDU the server sent so far (as received, before any to_client mutation).
  std::vector<Pdu> from_server();

 private:
  void run();
  void relay(int client, int server);
  int listener_ = -1;
  int port_ = 0;
  int server_port_;
  Mutation to_server_, to_client_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Pdu> from_server_;
  std::thread thread_;
};

// PDU helpers: type, and the request/response body (after the 24-octet header; no object UUID).
inline std::uint8_t pdu_type(const Pdu& p) { return std::to_integer<std::uint8_t>(p[2]); }
std::uint32_t fault_status_of(const Pdu& p);
// A request PDU without its verifier (auth pad, sec_trailer and auth_value removed).
Pdu strip_verifier(const Pdu& p);

}  // namespace guise::rpc::testing
