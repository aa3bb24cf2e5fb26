// ndr_interface.cpp: the adapter between generated plain RPC tables (ndr/) and the RPC runtime.
#include "rpc/ndr_interface.h"

#include <string>
#include <utility>

#include "ndr/call_context.h"
#include "ndr/data_representation.h"
#include "ndr/decode_error.h"
#include "ndr/writer.h"
#include "rpc/fault_status.h"

namespace guise::rpc {
namespace {

constexpr std::uint32_t kFacilityWin32 = 7;

bool is_hresult_from_win32(HRESULT hr) noexcept {
  const auto v = static_cast<std::uint32_t>(hr);
  return (v & 0xFFFF0000u) == (0x80000000u | (kFacilityWin32 << 16));
}

}  // namespace

InterfaceId interface_id_of(const ndr::RpcServerInterface& itf) noexcept {
  return InterfaceId{itf.uuid, itf.version_major, itf.version_minor};
}

Status to_fault(Status status) {
  if (status.ok()) return status;
  const auto hr = status.hresult();
  if (!hr) return status;  // fault_status.cpp's table picks the value from the code
  if (*hr == ndr::kHresultBadStubData) {
    return Status(status.code(), status.message(), static_cast<HRESULT>(kRpcXBadStubData));
  }
  if (is_hresult_from_win32(*hr)) {
    return Status(status.code(), status.message(), static_cast<HRESULT>(static_cast<std::uint32_t>(*hr) & 0xFFFFu));
  }
  return status;  // nca_s_* (e.g. nca_s_op_rng_error) or an HRESULT: sent as is
}

InterfaceRegistration registration_for(const ndr::RpcServerInterface& itf, void* server, ndr::Limits limits) {
  InterfaceRegistration registration;
  registration.id = interface_id_of(itf);
  registration.name = itf.name;
  registration.ops.reserve(itf.dispatch.size());
  for (std::size_t opnum = 0; opnum < itf.dispatch.size(); ++opnum) {
    registration.ops.emplace_back([&itf, server, limits, opnum](ServerCall& call, std::span<const std::byte> in,
                                                                std::vector<std::byte>& out) -> Status {
      ndr::CallContext ctx;
      ctx.limits = limits;
      auto order = ndr::byte_order_from_drep(call.attributes().drep);
      if (!order.ok()) return to_fault(order.status());
      ctx.byte_order = *order;
      ctx.runtime_call = &call;
      ndr::Writer writer;
      Status status = ndr::dispatch_rpc_call(itf, server, static_cast<std::uint16_t>(opnum), in, writer, ctx);
      if (!status.ok()) return to_fault(std::move(status));
      const auto bytes = writer.bytes();
      out.assign(bytes.begin(), bytes.end());
      return Status::Ok();
    });
  }
  return registration;
}

ndr::RpcCallFn call_fn_for(const Client& client, InterfaceId iface, CallOptions options) {
  return [&client, iface, options = std::move(options)](
             std::uint16_t opnum, std::span<const std::byte> stub_in) -> Result<std::vector<std::byte>> {
    return client.call(iface, opnum, stub_in, options);
  };
}

ServerCall* server_call_from(void* handle) noexcept {
  if (handle == nullptr) return nullptr;
  auto* ctx = static_cast<ndr::CallContext*>(handle);
  auto* call = static_cast<ServerCall*>(ctx->runtime_call);
  // Only the call this thread is serving: a context filled by someone else carries another pointer.
  return call == current_call() ? call : nullptr;
}

}  // namespace guise::rpc
