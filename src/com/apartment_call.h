// apartment_call.h: an outgoing RPC call made from inside COM — an STA keeps serving while it waits.
//
// call_from_apartment(client, iface, opnum, in, out, options) is Client::call for COM's proxies. On an
// STA thread it sends the request (Client::begin_call) and waits in modal_wait on the connection's
// descriptor, and the cancel token's, while running the work posted to its apartment: the incoming
// calls that arrive meanwhile, callbacks of this very call included (MS-DCOM reentrancy). Whenever the
// connection is readable it reads what arrived; the call ends with the complete reply, the server's
// fault, or — at the call's deadline — RPC_E_TIMEOUT (the call is abandoned: orphaned PDU, connection
// closed), or RPC_E_CALL_CANCELED when the token fires (co_cancel, then orphaned). On an MTA thread or
// outside COM it is Client::call: the thread blocks on its own connection (DESIGN decision 6).
// The connection is chosen by the identity the thread presents when the call starts, as for Client::call.
// Thread-safety: as Client::call; acts on the calling thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "rpc/client.h"

namespace guise::com {

[[nodiscard]] Status call_from_apartment(const rpc::Client& client, const rpc::InterfaceId& iface,
                                         std::uint16_t opnum, std::span<const std::byte> in,
                                         std::vector<std::byte>& out, const rpc::CallOptions& options = {});

}  // namespace guise::com
