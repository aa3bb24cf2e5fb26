// limits.h: every bound the RPC runtime puts on what a peer can make it do, in one struct.
//
// Each field names the attack it stops. Servers and clients take a Limits by value at construction;
// the defaults suit a local service. Hitting a limit ends the offending call (fault), bind (bind_nak)
// or connection (refused or closed), never the process, and is logged (rate-limited where a peer can
// repeat it at will). Plain value: thread-safe.
//
// DESIGN decision 8: what a caller can make a server hold is a per-peer share of a server-wide budget.
// A peer is a uid on ncalrpc (attested by the kernel) and an IP address on TCP. Privileged peers — uid 0
// and the server's own uids, over ncalrpc — are held only to the server-wide budgets and may use the
// reserved connections, so an administrator can always reach a server that others have filled.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace guise::rpc {

struct Limits {
  // --- per fragment and per call ---

  // Largest fragment we accept (announced as max_recv_frag). A frag_length above it closes the
  // association before a byte of body is read: a peer cannot make us buffer more per connection.
  std::uint16_t max_recv_frag = 5840;
  // Largest fragment we send (announced as max_xmit_frag; the peer may lower it).
  std::uint16_t max_xmit_frag = 5840;
  // Largest reassembled stub of one call (request on the server, response on the client). Stops a
  // peer from making us grow one buffer without end by never setting PFC_LAST_FRAG.
  std::size_t max_call_bytes = std::size_t{4} << 20;
  // Calls whose fragments are being reassembled at once on one connection (CONC_MPX lets a client
  // interleave calls). Stops a peer from opening unbounded partial calls.
  std::uint32_t max_calls_in_progress = 4;
  // Presentation contexts in one bind/alter_context, and transfer syntaxes per context. The wire
  // counts are one octet; this keeps the work per bind small.
  std::uint32_t max_contexts_per_bind = 32;
  std::uint32_t max_transfer_syntaxes = 8;
  // Presentation contexts one association may accumulate over alter_contexts.
  std::uint32_t max_contexts_per_association = 256;
  // Security contexts (auth_context_id) per association (MS-RPCE §3.3.1.5.4 multiplexing).
  std::uint32_t max_security_contexts = 8;

  // --- server-wide budgets and per-peer shares ---

  // Open connections per server. The server also derives a limit from RLIMIT_NOFILE when it starts
  // (each ncalrpc connection holds two descriptors: the socket and the peer's pidfd; a reserve of
  // 64 + 1/8 of the limit is left to the rest of the process) and uses the smaller.
  std::uint32_t max_connections = 1024;
  // Connections one peer may hold open. Stops one uid (or one address) from taking every slot with
  // bound, silent connections.
  std::uint32_t max_connections_per_peer = 64;
  // Connections only privileged peers may use (at most a quarter of the connection limit): root and
  // the server's own uid can always connect, whatever everyone else holds.
  std::uint32_t reserved_connections = 16;
  // Bytes of fragments being reassembled, server-wide, and one peer's share of them. Stops a few
  // peers from making the server hold max_calls_in_progress × max_call_bytes on every connection.
  // The server-wide figure is lowered to a quarter of RLIMIT_DATA or RLIMIT_AS when those are set.
  std::size_t max_reassembly_bytes = std::size_t{64} << 20;
  std::size_t max_reassembly_bytes_per_peer = std::size_t{8} << 20;
  // Calls of one peer running at once (its handlers, and the writing of their replies). Stops a peer
  // from occupying every serving thread with calls that block (a handler waiting on a FIFO the caller
  // controls, a reply the caller never reads). Above it: fault nca_s_server_too_busy, not executed.
  std::uint32_t max_calls_per_peer = 8;

  // --- time ---

  // How long a connection may sit with an incomplete PDU (or, before its bind, at all) before it is
  // closed. Stops slow or silent clients from keeping connection slots (and buffers) for ever;
  // they never hold a thread in any case. Zero disables the check.
  std::chrono::milliseconds partial_pdu_timeout{10000};
  // How long a bound connection may stay idle — no call in progress, nothing half-received — before it
  // is closed. COM clients keep a connection for as long as they hold a proxy, often many minutes
  // between calls, and closing one costs its client a reconnect and a new bind (and runs down what
  // the association owned), so the default is long: it reclaims slots of clients that are gone or
  // hung without closing, while the per-peer quota (not this timeout) is what stops hoarding.
  // Zero disables the check.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(15)};
  // A deadline for writing one whole reply (every fragment), counted from its first byte — not a
  // timeout restarted each time the peer reads a little. Stops a slow reader from holding a serving
  // thread for longer than this; the association is closed when it passes.
  std::chrono::milliseconds write_timeout{5000};
};

}  // namespace guise::rpc
