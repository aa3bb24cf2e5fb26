// detail/server_connection.h: one server association — its socket, state machine and budgets.
//
// Owned by the Server; driven by exactly one serving thread at a time (EPOLLONESHOT), which also
// holds `busy` while it runs (so sanitizers see the hand-off between threads). on_readable() reads
// what the socket has, handles every complete fragment (bind, alter_context, auth3, request,
// co_cancel, orphaned), dispatches complete requests on the calling thread and writes replies.
// It returns kClose when the association must end (peer gone, protocol error, limit, write deadline).
//
// Budgets: the connection holds its slot in the server's PeerAccounts (released when it is
// destroyed); its reassembly buffers are reserved in its peer's share of the reassembly budget; each
// call it runs takes one of its peer's call slots and one of the server's handler slots. A connection
// admitted only to be refused (`refusal`) answers its bind with that bind_nak and closes.
//
// Memory: an idle connection holds no receive buffer; a serving thread lends it the thread's own
// while it reads, and the connection keeps one only while a PDU is half-received.
//
// Replies: every PDU is written under `write_mu_`, a whole reply at a time, against a deadline fixed
// when the reply starts (Limits::write_timeout): the shape a reply written later, from another thread,
// needs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "base/unique_fd.h"
#include "rpc/pdu.h"
#include "rpc/peer_accounts.h"
#include "rpc/reassembly.h"
#include "rpc/security_provider.h"
#include "rpc/transport.h"

namespace guise::rpc {
class Server;
class ServerSecurityProvider;
struct InterfaceRegistration;

namespace detail {

struct Watch {
  enum class Kind { kStop, kListener, kConnection, kReaper, kAcceptResume };
  explicit Watch(Kind k) : kind(k) {}
  virtual ~Watch() = default;
  Kind kind;
};

class ServerConnection final : public Watch {
 public:
  enum class Outcome { kKeep, kClose, kIdle };
  // What the reaper would close the connection for when its deadline passes.
  enum class Waiting : std::uint8_t { kNothing, kBind, kRestOfPdu, kNextCall };

  // `admission` is the connection's slot in the server's budgets (empty: no accounting, as in the
  // fuzz target); `refusal` makes it answer its bind with bind_nak(refusal) and close.
  ServerConnection(Server& server, UniqueFd fd, TransportPeer peer, std::string endpoint_name,
                   PeerAccounts::Admission admission = {}, std::optional<BindNakReason> refusal = std::nullopt);
  int fd() const noexcept { return fd_.get(); }
  const TransportPeer& peer() const noexcept { return peer_; }
  bool refused() const noexcept { return refusal_.has_value(); }
  // Reads what has arrived (never blocks) and handles it: kKeep or kClose.
  Outcome on_readable();
  // Waits on this connection alone, at most the socket's SO_RCVTIMEO, for more bytes and handles
  // them: kKeep, kClose, or kIdle when nothing came.
  Outcome wait_for_more();
  // No partial PDU and no partial call: the connection waits for a new request. Only such a
  // connection keeps a parked thread (a client that trickles bytes must not hold one).
  bool between_calls() const noexcept { return have_ == 0 && reassembler_.calls_in_progress() == 0; }
  // When (steady clock, ns) the reaper should close the connection, and why; 0 for never. Read by the
  // reaper thread, written by the serving thread.
  std::int64_t reap_deadline() const noexcept { return reap_deadline_.load(std::memory_order_relaxed); }
  Waiting waiting_for() const noexcept { return waiting_for_.load(std::memory_order_relaxed); }

  std::mutex busy;

 private:
  Outcome read_and_handle(int flags);
  Outcome refuse_unframed(std::span<const std::byte> pending, DecodeError error);
  Outcome handle_fragment(std::span<const std::byte> fragment);
  Outcome handle_bind(const BindPdu& bind);
  Outcome handle_auth3(const Auth3Pdu& auth3);
  Outcome handle_request(const RequestPdu& request);
  Outcome dispatch(const CallMeta& meta, std::span<const std::byte> stub);
  Outcome send_bind_nak(std::uint32_t call_id, BindNakReason reason);
  Outcome send_fault(std::uint32_t call_id, std::uint16_t context_id, std::uint32_t status, bool did_not_execute);
  Outcome send_pdu(const std::vector<std::byte>& pdu);
  Outcome send_response(const CallMeta& meta, std::span<const std::byte> stub, SecurityContext* security,
                        std::chrono::steady_clock::time_point deadline);
  Outcome send_protected_response(const CallMeta& meta, std::span<const std::byte> stub, SecurityContext& security,
                                  ServerSecurityProvider& provider, std::chrono::steady_clock::time_point deadline);
  Status write_fragment(std::span<iovec> iov, std::chrono::steady_clock::time_point deadline);
  // The provider that protects this context's PDUs, or nullptr when they travel as they are.
  ServerSecurityProvider* protecting_provider(const SecurityContext* security) const;
  Outcome protocol_error(std::uint32_t call_id, DecodeError error, std::string_view where);
  SecurityContext* security_for(const std::optional<std::uint32_t>& auth_context_id);
  void update_reap_deadline();

  Server& server_;
  UniqueFd fd_;
  TransportPeer peer_;
  std::string endpoint_name_;  // sec_addr in bind_ack
  PeerAccounts::Admission admission_;
  std::optional<BindNakReason> refusal_;
  std::vector<std::byte> buffer_;  // lent by the serving thread; kept only while a PDU is half-received
  std::size_t have_ = 0;

  bool bound_ = false;
  std::uint16_t max_xmit_frag_;  // what we send
  std::uint16_t max_recv_frag_;  // what we accept
  std::uint32_t assoc_group_id_ = 0;
  std::map<std::uint16_t, const InterfaceRegistration*> contexts_;
  std::vector<SecurityContext> security_;
  Reassembler reassembler_;
  std::atomic<std::int64_t> reap_deadline_{0};
  std::atomic<Waiting> waiting_for_{Waiting::kBind};

  std::mutex write_mu_;                     // one reply (or fault, or bind answer) at a time
  std::function<void()> before_write_wait_;  // keeps the server's reactor watched while we wait
};

}  // namespace detail
}  // namespace guise::rpc
