#include "com/orpc_dispatcher.h"

#include <exception>

#include "base/guid_string.h"
#include "base/log.h"
#include "com/apartment.h"
#include "com/call_frame.h"
#include "com/orpc_headers.h"
#include "com/security_settings.h"
#include "ndr/data_representation.h"
#include "rpc/wire_constants.h"

namespace guise::com {
namespace {

// nca_s_op_rng_error as the generated stubs report it.
constexpr HRESULT kNcaOpRangeError = static_cast<HRESULT>(0x1C010002u);

// Whether a call on `called` may reach an IPID marshaled for `exported`: the same interface, or one
// it derives from (a client may call inherited methods on the base IID).
bool reaches(const IID& exported, const IID& called) {
  IID current = exported;
  for (int depth = 0; depth < 32; ++depth) {
    if (current == called) return true;
    if (current == IID_IUnknown) return false;
    const ndr::ProxyStubEntry* entry = ndr::ProxyStubRegistry::instance().find(current);
    if (entry == nullptr) return false;
    current = entry->base_iid;
  }
  return false;
}

}  // namespace

std::vector<rpc::InterfaceRegistration> OrpcDispatcher::registrations() {
  std::vector<rpc::InterfaceRegistration> out;
  auto handler = [this](rpc::ServerCall& call, std::span<const std::byte> in, std::vector<std::byte>& reply) {
    return dispatch(call, in, reply);
  };
  for (const IID& iid : ndr::ProxyStubRegistry::instance().registered()) {
    const ndr::ProxyStubEntry* entry = ndr::ProxyStubRegistry::instance().find(iid);
    if (entry == nullptr || entry->method_count <= 3) continue;
    rpc::InterfaceRegistration registration;
    registration.id = rpc::InterfaceId{iid, 0, 0};
    registration.name = entry->name;
    registration.ops.resize(entry->method_count);
    for (std::size_t op = 3; op < entry->method_count; ++op) registration.ops[op] = handler;
    out.push_back(std::move(registration));
  }
  return out;
}

Status OrpcDispatcher::dispatch(rpc::ServerCall& call, std::span<const std::byte> in, std::vector<std::byte>& out) {
  const rpc::CallAttributes& attributes = call.attributes();
  if (!attributes.object) {
    return Status(StatusCode::kInvalidInput, "orpc: request without an IPID", RPC_E_INVALID_IPID);
  }
  std::optional<DispatchTarget> target = exporter_.find(*attributes.object);
  if (!target) {
    log::debug("orpc: call on unknown IPID {} (disconnected, run down or forged)", format_guid(*attributes.object));
    return Status(StatusCode::kUnavailable, "orpc: no such IPID", RPC_E_DISCONNECTED);
  }
  const ExportedInterface& itf = *target->itf;
  if (!reaches(itf.iid, attributes.interface_id.uuid)) {
    log::debug("orpc: IPID {} was not marshaled for {}", format_guid(itf.ipid), format_guid(attributes.interface_id.uuid));
    return Status(StatusCode::kInvalidInput, "orpc: IPID of another interface", RPC_E_INVALID_IPID);
  }
  if (itf.stub == nullptr) return Status(StatusCode::kNotFound, "orpc: IUnknown has no remote methods", kNcaOpRangeError);
  // CoInitializeSecurity's policy, before the object is touched (spec R40, R41; security_settings.h).
  if (const HRESULT access = check_call_access(attributes); access != S_OK) {
    return Status(StatusCode::kAccessDenied, "orpc: caller refused by the process's access policy", access);
  }

  ndr::Limits header_limits = ndr_limits_;
  header_limits.max_allocation = limits_.max_orpc_extension_bytes + 4096;
  GUISE_TRY(const ndr::ByteOrder order, ndr::byte_order_from_drep(attributes.drep));
  ndr::Reader reader(in, header_limits, order);
  OrpcThis header;
  GUISE_RETURN_IF_ERROR(get_orpcthis(reader, header, limits_));
  GUISE_RETURN_IF_ERROR(check_client_version(header));

  const std::span<const std::byte> params = in.subspan(reader.position());
  // An STA object's call runs on its STA's thread (sta_dispatch.cpp); the MTA's right here.
  if (target->sta && !target->sta->is_current()) return post_to_sta(std::move(*target), call, header.cid, params, order);
  ndr::Writer writer;
  Status status;
  {
    DispatchApartmentScope mta;
    status = run_call(itf, target->sta, call, header.cid, params, order, writer, [&call] { return call.defer(); });
  }
  GUISE_RETURN_IF_ERROR(status);
  if (call.deferred()) return Status::Ok();  // an asynchronous call: its reply leaves later
  const auto bytes = writer.bytes();
  out.assign(bytes.begin(), bytes.end());
  return Status::Ok();
}

Status OrpcDispatcher::run_call(const ExportedInterface& itf, const std::shared_ptr<Apartment>& sta,
                                rpc::ServerCall& call, const GUID& cid, std::span<const std::byte> params,
                                ndr::ByteOrder order, ndr::Writer& writer, const ReplySource& take_reply) {
  if (std::optional<Status> async = run_async_call(itf, sta, call, cid, params, order, take_reply)) return *async;
  put_orpcthat(writer, {});
  ndr::CallContext ctx;
  ctx.interfaces = &marshaler_;
  ctx.limits = ndr_limits_;
  ctx.byte_order = order;
  ctx.runtime_call = &call;
  const std::uint16_t opnum = call.attributes().opnum;
  CallFrame frame(&call, cid, peer_of(call.attributes()));
  try {
    return itf.stub->invoke_stub(itf.pointer, opnum, params, writer, ctx);
  } catch (const std::exception& e) {
    log::warn("orpc: {} method {} threw: {}", itf.stub->name, opnum, e.what());
  } catch (...) {
    log::warn("orpc: {} method {} threw a non-exception", itf.stub->name, opnum);
  }
  return Status(StatusCode::kInternal, "orpc: the method threw", RPC_E_SERVERFAULT);
}

}  // namespace guise::com
