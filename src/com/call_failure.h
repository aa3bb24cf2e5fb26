// call_failure.h: what an ORPC call that failed below COM returns, as Windows reports it.
//
// The RPC layer reports a peer that is gone as kUnavailable. COM callers expect Windows' two codes:
//   - HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) 0x800706BA when nothing answers at the endpoint
//     (the server process is gone; the request never left: the connect was refused);
//   - HRESULT_FROM_WIN32(RPC_S_CALL_FAILED) 0x800706BE when the connection broke with a call in
//     flight (the server died during the call; it may have run).
// rpc::Client retries a request that never left on a fresh connection and returns that connect's
// failure, so "kUnavailable carrying RPC_E_DISCONNECTED" means the request had left; kUnavailable
// without an HRESULT means the connect failed. Faults keep the HRESULT the server sent.
// Pure function.
#pragma once

#include "base/status.h"
#include "guise/winerror.h"

namespace guise::com {

inline constexpr long kRpcSServerUnavailable = 1722;
inline constexpr long kRpcSCallFailed = 1726;
inline constexpr HRESULT kHresultServerUnavailable = HRESULT_FROM_WIN32(kRpcSServerUnavailable);  // 0x800706BA
inline constexpr HRESULT kHresultCallFailed = HRESULT_FROM_WIN32(kRpcSCallFailed);                // 0x800706BE

Status orpc_call_failure(Status rpc_failure);

}  // namespace guise::com
