// limits.h: every bound the RPC runtime puts on what a peer can make it do, in one struct.
//
// Each field names the attack it stops. Servers and clients take a Limits by value at construction;
// the defaults suit a local service. Hitting a limit ends the offending call (fault) or association
// (close), never the process, and is logged once. Plain value: thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace guise::rpc {

struct Limits {
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
  std::uint32_t max_calls_in_progress = 8;
  // Presentation contexts in one bind/alter_context, and transfer syntaxes per context. The wire
  // counts are one octet; this keeps the work per bind small.
  std::uint32_t max_contexts_per_bind = 32;
  std::uint32_t max_transfer_syntaxes = 8;
  // Presentation contexts one association may accumulate over alter_contexts.
  std::uint32_t max_contexts_per_association = 256;
  // Security contexts (auth_context_id) per association (MS-RPCE §3.3.1.5.4 multiplexing).
  std::uint32_t max_security_contexts = 8;
  // Open connections per server. Above it, new connections are accepted and closed at once (with a
  // log line) so the listen queue cannot fill with peers we will never serve.
  std::uint32_t max_connections = 1024;
  // How long a connection may sit with an incomplete PDU (or, before its bind, at all) before it is
  // closed. Stops slow or silent clients from keeping connection slots (and buffers) for ever;
  // they never hold a thread in any case. Zero disables the check.
  std::chrono::milliseconds partial_pdu_timeout{10000};
  // How long a reply write may wait for a peer that does not read. Stops a slow reader from
  // holding a serving thread; the association is closed when it passes.
  std::chrono::milliseconds write_timeout{5000};
};

}  // namespace guise::rpc
