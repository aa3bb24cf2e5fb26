#include "ndr/rpc_interface.h"

#include <string>

namespace guise::ndr {

// nca_s_op_rng_error (C706 Appendix E): the opnum is outside the interface.
inline constexpr HRESULT kHresultOpRangeError = static_cast<HRESULT>(0x1C010002u);

Status dispatch_rpc_call(const RpcServerInterface& itf, void* server, std::uint16_t opnum,
                         std::span<const std::byte> stub_in, Writer& stub_out, CallContext& ctx) {
  if (opnum >= itf.dispatch.size()) {
    return Status(StatusCode::kInvalidInput,
                  std::string("ndr: opnum ") + std::to_string(opnum) + " out of range for " + itf.name,
                  kHresultOpRangeError);
  }
  return itf.dispatch[opnum](server, stub_in, stub_out, ctx);
}

}  // namespace guise::ndr
