// ndr_binding.cpp: generated NDR stubs on top of InterfaceRegistration and Client::call.
#include "rpc/ndr_binding.h"

#include "ndr/call_context.h"
#include "ndr/writer.h"
#include "rpc/server_call.h"

namespace guise::rpc {

InterfaceRegistration registration_for(const ndr::RpcServerInterface& itf, void* server, ndr::Limits limits) {
  InterfaceRegistration registration{InterfaceId{itf.uuid, itf.version_major, itf.version_minor}, itf.name, {}};
  registration.ops.reserve(itf.dispatch.size());
  for (std::size_t opnum = 0; opnum < itf.dispatch.size(); ++opnum) {
    const ndr::ServerDispatchFn entry = itf.dispatch[opnum];
    registration.ops.push_back([entry, server, limits](ServerCall& call, std::span<const std::byte> in,
                                                       std::vector<std::byte>& out) -> Status {
      ndr::CallContext context;
      context.limits = limits;
      context.byte_order = ndr::ByteOrder::kLittleEndian;  // the only representation pdu.h accepts
      context.runtime_call = &call;
      ndr::Writer writer;
      GUISE_RETURN_IF_ERROR(entry(server, in, writer, context));
      out = writer.take();
      return Status::Ok();
    });
  }
  return registration;
}

ndr::RpcCallFn call_fn(Client client, InterfaceId iface) {
  return [client = std::move(client), iface](std::uint16_t opnum, std::span<const std::byte> in) {
    return client.call(iface, opnum, in);
  };
}

ServerCall* server_call_from(void* handle) noexcept {
  if (handle == nullptr) return nullptr;
  return static_cast<ServerCall*>(static_cast<ndr::CallContext*>(handle)->runtime_call);
}

}  // namespace guise::rpc
