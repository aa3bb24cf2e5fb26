// detail/client_connection.h: one client association — bind, alter_context, calls, fragments.
//
// Opened by the thread whose identity it presents (the kernel records it at connect). Binds the
// first interface with the auth verifier (local provider over ncalrpc), adds further interfaces with
// alter_context, sends requests in fragments of at most the negotiated max_xmit_frag, reassembles
// responses within Limits::max_call_bytes. Any protocol surprise, timeout or cancel marks it broken;
// a broken connection is closed, never reused. Used by one thread at a time (the pool hands it out).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "base/unique_fd.h"
#include "rpc/client.h"
#include "rpc/pdu.h"

namespace guise::rpc::detail {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

class ClientConnection {
 public:
  static Result<std::unique_ptr<ClientConnection>> open(const StringBinding& binding, const AuthInfo& auth,
                                                        const ClientOptions& options);
  // A connection over a socket connected elsewhere (fuzzing the client against arbitrary servers).
  static std::unique_ptr<ClientConnection> adopt(UniqueFd fd, const AuthInfo& auth, const ClientOptions& options);

  // `request_sent` is false when nothing of the request left (safe to retry elsewhere).
  [[nodiscard]] Status call(const InterfaceId& iface, std::uint16_t opnum, const std::optional<GUID>& object,
                            std::span<const std::byte> in, std::vector<std::byte>& out, Deadline deadline,
                            const CancelToken* cancel, bool& request_sent);

  // The two halves of call(), for a caller that waits elsewhere between them (an STA's modal loop).
  struct ReplyState {
    std::uint32_t call_id = 0;
    bool first = true;  // the reply's first fragment has not arrived yet
  };
  // Binds the interface if needed and sends the request; `state` then names the call.
  [[nodiscard]] Status send_call(const InterfaceId& iface, std::uint16_t opnum, const std::optional<GUID>& object,
                                 std::span<const std::byte> in, Deadline deadline, const CancelToken* cancel,
                                 bool& request_sent, ReplyState& state);
  // Appends reply fragments to `out`. Blocking: until the reply is complete, the deadline or a cancel
  // (which abandon the call). Not blocking: only what has already arrived. true when the reply is
  // complete; a fault is its Status.
  [[nodiscard]] Result<bool> read_reply(ReplyState& state, std::vector<std::byte>& out, Deadline deadline,
                                        const CancelToken* cancel, bool blocking);
  // Readable when more of a reply has arrived or the server closed the connection.
  int fd() const noexcept { return fd_.get(); }
  // Gives up a call in flight, best effort and never blocking: co_cancel when `cancelled`, then
  // orphaned. The connection is broken afterwards.
  void abandon_call(std::uint32_t call_id, bool cancelled) noexcept;
  // co_cancel for a call in flight whose reply is still awaited, best effort and never blocking. The
  // connection is broken afterwards (closed once the call is over).
  void cancel_call(std::uint32_t call_id) noexcept;

  bool broken() const noexcept { return broken_; }
  // Whether the server closed (or wrote to) this idle connection: then it must not be used.
  bool server_closed() const noexcept;

 private:
  ClientConnection(UniqueFd fd, AuthInfo auth, const ClientOptions& options);
  Result<std::uint16_t> context_for(const InterfaceId& iface, Deadline deadline, const CancelToken* cancel);
  // The next complete fragment. Not blocking: an empty span when it has not all arrived yet.
  Result<std::span<const std::byte>> read_fragment(Deadline deadline, const CancelToken* cancel, bool blocking = true);
  // One fragment of the reply to state.call_id: true when it was the last.
  Result<bool> take_reply_fragment(std::span<const std::byte> fragment, ReplyState& state, std::vector<std::byte>& out);
  Status wait_readable(Deadline deadline, const CancelToken* cancel);
  Status send_bytes(const std::vector<std::byte>& pdu);
  Status broken_with(Status status) {
    broken_ = true;
    return status;
  }

  Status send_request_fragments(std::uint32_t call_id, std::uint16_t context_id, std::uint16_t opnum,
                                const std::optional<GUID>& object, std::span<const std::byte> in,
                                bool& request_sent);

  UniqueFd fd_;
  AuthInfo auth_;
  std::function<std::unique_ptr<ClientSecurityProvider>()> make_security_;
  std::unique_ptr<ClientSecurityProvider> security_;  // set once the bind authenticated
  Limits limits_;
  bool bound_ = false;
  bool broken_ = false;
  std::uint16_t max_xmit_frag_;
  std::uint16_t max_recv_frag_;
  std::uint32_t assoc_group_id_ = 0;
  std::uint16_t next_context_id_ = 0;
  std::uint32_t next_call_id_ = 1;
  std::vector<std::pair<InterfaceId, std::uint16_t>> contexts_;
  std::vector<std::byte> buffer_;
  std::size_t have_ = 0;
  std::size_t consumed_ = 0;
};

}  // namespace guise::rpc::detail
