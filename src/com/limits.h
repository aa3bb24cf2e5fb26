// limits.h: every bound COM remoting puts on what a peer can make it hold or decode, in one struct.
//
// The COM twin of rpc/limits.h (DESIGN decision 8): each field names the attack it stops. A peer is
// the process on the other end as the kernel attests it (its pid over ncalrpc), else its
// authenticated principal, else one shared bucket for unauthenticated TCP callers. Hitting a bound
// is an answer — an error HRESULT for that call, one rate-limited log line — never a crash or a
// stall for other peers. Timing of pings is in ping_settings.h. Plain value: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace guise::com {

struct ComLimits {
  // String plus security bindings in one DUALSTRINGARRAY, and characters in one binding. Stops an
  // OBJREF from making us parse or keep arbitrary address lists (a real exporter has a handful).
  std::uint16_t max_bindings = 32;
  std::uint16_t max_binding_chars = 512;
  // ORPC extensions in one ORPCTHIS/ORPCTHAT and their total bytes. guise understands none of them;
  // the bound stops a peer from making every call allocate megabytes we then drop.
  std::uint32_t max_orpc_extents = 16;
  std::size_t max_orpc_extension_bytes = 64u << 10;
  // IIDs in one RemQueryInterface(2) and interface refs in one RemAddRef/RemRelease. The wire count
  // is 16 bits; the bound keeps the work one call can demand small.
  std::uint16_t max_iids_per_query = 256;
  std::uint16_t max_refs_per_call = 1024;
  // Ping sets one peer may own, and OIDs in one set. Stops a peer from growing the ping table
  // without end (MS-DCOM §3.1.2.5.1.3 lets a client create sets at will).
  std::uint32_t max_ping_sets_per_peer = 64;
  std::uint32_t max_oids_per_ping_set = 1u << 16;
  // Objects exported on behalf of one peer (marshaled as [out] parameters of its calls, or on a
  // RemQueryInterface it made) that are still alive. Stops a peer from making a server keep an
  // unbounded number of stubs by calling a factory in a loop and never releasing.
  std::uint32_t max_objects_per_peer = 1u << 16;
  // Public references one peer may hold on one interface pointer (RemAddRef). Stops counter
  // overflow; Windows hands out 5 at a time.
  std::uint32_t max_public_refs_per_ipid = 1u << 30;
};

}  // namespace guise::com
