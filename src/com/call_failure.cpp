#include "com/call_failure.h"

namespace guise::com {

Status orpc_call_failure(Status rpc_failure) {
  if (rpc_failure.code() != StatusCode::kUnavailable) return rpc_failure;
  const auto hr = rpc_failure.hresult();
  if (!hr || *hr == RPC_E_CONNECTION_TERMINATED) {
    return Status(StatusCode::kUnavailable, "com: the server is unavailable (" + rpc_failure.message() + ")",
                  kHresultServerUnavailable);
  }
  return Status(StatusCode::kUnavailable, "com: the call failed (" + rpc_failure.message() + ")", kHresultCallFailed);
}

}  // namespace guise::com
