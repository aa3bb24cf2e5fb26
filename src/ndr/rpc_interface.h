// rpc_interface.h: the seam between generated plain-RPC code and the DCE/RPC runtime (src/rpc).
//
// Stub data crosses this seam as bytes: NDR-encoded [in] parameters one way, [out] parameters and
// the return value the other, exactly the body of a request/response PDU (C706 §12.6.4.9).
//
// Client side: a generated `I<Name>_Client` takes an RpcCallFn that the RPC runtime's binding
// implements: send the request body for `opnum` on this interface, return the response body or a
// Status (a fault PDU's status arrives as a Status carrying its code). The generated client encodes
// the [in] parameters, calls it once, and decodes the reply; nothing else touches the binding.
//
// Server side: guise-midl emits one RpcServerInterface per interface (`I<Name>_v<major>_<minor>_s_ifspec`,
// MIDL's name) with one dispatch entry per opnum, in IDL order. The RPC runtime registers it with the
// object implementing the generated `I<Name>_Server` class and, for each request, calls
// dispatch[opnum](server, body, response, ctx). An entry decodes the body (kInvalidInput carrying
// RPC_X_BAD_STUB_DATA on bad bytes: send a fault), calls the method, and encodes the reply into
// `response`. An opnum past the table is the runtime's to reject (nca_s_op_rng_error).
// Thread-safety: tables are immutable; entries may run concurrently if the server object allows.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "base/status.h"
#include "guise/guiddef.h"
#include "ndr/call_context.h"
#include "ndr/writer.h"

namespace guise::ndr {

// Sends one request body and returns the response body (client side; implemented by src/rpc).
using RpcCallFn =
    std::function<Result<std::vector<std::byte>>(std::uint16_t opnum, std::span<const std::byte> stub_in)>;

// One opnum of a server interface. `server` is the object given at registration (an I<Name>_Server*).
using ServerDispatchFn = Status (*)(void* server, std::span<const std::byte> stub_in, Writer& stub_out,
                                    CallContext& ctx);

struct RpcServerInterface {
  const char* name;
  GUID uuid;
  std::uint16_t version_major;
  std::uint16_t version_minor;
  std::span<const ServerDispatchFn> dispatch;  // index = opnum
};

// Runs one call: bounds-checks the opnum, then dispatch[opnum]. For the RPC runtime and tests.
[[nodiscard]] Status dispatch_rpc_call(const RpcServerInterface& itf, void* server, std::uint16_t opnum,
                                       std::span<const std::byte> stub_in, Writer& stub_out,
                                       CallContext& ctx);

}  // namespace guise::ndr
