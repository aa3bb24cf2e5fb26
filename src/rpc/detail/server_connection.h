// detail/server_connection.h: one server association — its socket, buffer and state machine.
//
// Owned by the Server; driven by exactly one serving thread at a time (EPOLLONESHOT), which also
// holds `busy` while it runs (so sanitizers see the hand-off between threads). on_readable() reads
// what the socket has, handles every complete fragment (bind, alter_context, auth3, request,
// co_cancel, orphaned), dispatches complete requests on the calling thread and writes replies.
// It returns kClose when the association must end (peer gone, protocol error, limit, write timeout).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "base/unique_fd.h"
#include "rpc/pdu.h"
#include "rpc/reassembly.h"
#include "rpc/security_provider.h"

namespace guise::rpc {
class Server;
class ServerSecurityProvider;
struct InterfaceRegistration;

namespace detail {

struct Watch {
  enum class Kind { kStop, kListener, kConnection, kReaper };
  explicit Watch(Kind k) : kind(k) {}
  virtual ~Watch() = default;
  Kind kind;
};

class ServerConnection final : public Watch {
 public:
  enum class Outcome { kKeep, kClose, kIdle };

  ServerConnection(Server& server, UniqueFd fd, TransportPeer peer, std::string endpoint_name);
  int fd() const noexcept { return fd_.get(); }
  const TransportPeer& peer() const noexcept { return peer_; }
  // Reads what has arrived (never blocks) and handles it: kKeep or kClose.
  Outcome on_readable();
  // Waits on this connection alone, at most the socket's SO_RCVTIMEO, for more bytes and handles
  // them: kKeep, kClose, or kIdle when nothing came.
  Outcome wait_for_more();
  // No partial PDU and no partial call: the connection waits for a new request. Only such a
  // connection keeps a parked thread (a client that trickles bytes must not hold one).
  bool between_calls() const noexcept { return have_ == 0 && reassembler_.calls_in_progress() == 0; }
  // Since when (steady clock, ns) the connection has waited for the rest of a PDU or for its bind;
  // 0 when it waits for nothing. Read by the reaper thread, written by the serving thread.
  std::int64_t waiting_since() const noexcept { return waiting_since_.load(std::memory_order_relaxed); }

  std::mutex busy;

 private:
  Outcome read_and_handle(int flags);
  Outcome handle_fragment(std::span<const std::byte> fragment);
  Outcome handle_bind(const BindPdu& bind);
  Outcome handle_auth3(const Auth3Pdu& auth3);
  Outcome handle_request(const RequestPdu& request);
  Outcome dispatch(const CallMeta& meta, std::span<const std::byte> stub);
  Outcome send_fault(std::uint32_t call_id, std::uint16_t context_id, std::uint32_t status, bool did_not_execute);
  Outcome send_pdu(const std::vector<std::byte>& pdu);
  Outcome send_response(const CallMeta& meta, std::span<const std::byte> stub, SecurityContext* security);
  Outcome send_protected_response(const CallMeta& meta, std::span<const std::byte> stub, SecurityContext& security,
                                  ServerSecurityProvider& provider);
  // The provider that protects this context's PDUs, or nullptr when they travel as they are.
  ServerSecurityProvider* protecting_provider(const SecurityContext* security) const;
  Outcome protocol_error(std::uint32_t call_id, DecodeError error, std::string_view where);
  SecurityContext* security_for(const std::optional<std::uint32_t>& auth_context_id);

  Server& server_;
  UniqueFd fd_;
  TransportPeer peer_;
  std::string endpoint_name_;  // sec_addr in bind_ack
  std::vector<std::byte> buffer_;
  std::size_t have_ = 0;

  bool bound_ = false;
  std::uint16_t max_xmit_frag_;  // what we send
  std::uint16_t max_recv_frag_;  // what we accept
  std::uint32_t assoc_group_id_ = 0;
  std::map<std::uint16_t, const InterfaceRegistration*> contexts_;
  std::vector<SecurityContext> security_;
  Reassembler reassembler_;
  std::atomic<std::int64_t> waiting_since_;
};

}  // namespace detail
}  // namespace guise::rpc
