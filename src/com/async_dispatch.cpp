// async_dispatch.cpp: an incoming call processed asynchronously by its server object (docs/async.md,
// spec R59–R61).
//
// On the wire nothing differs from a synchronous call (async_proxy.h), so whether a call is processed
// asynchronously is the server object's choice alone: its interface has an [async_uuid] (an
// AsyncProxyStubEntry is registered) and the object answers QueryInterface(IID_ICallFactory). Then,
// on the thread that runs the call (the reading thread in the MTA, the STA's own thread):
//   1. the runtime makes the control object (async_call_control.h) and calls
//      CreateCall(IID_AsyncIFoo, control, IID_IUnknown, &inner) — the object's call object aggregates
//      the control; a refusal (or no AsyncIFoo) lets the synchronous stub run instead;
//   2. the call's reply is deferred (rpc/deferred_reply.h) and handed to the control;
//   3. Begin_ runs inside the call's CallFrame, so the call context is current (R59) and Signal inside
//      Begin_ makes it signalled (R60, R61); when Begin_ returns the frame ends as for a synchronous
//      call (R4), the thread reverts to the process (R21) and, if the object signalled already,
//      Finish_ runs and the reply leaves; otherwise the thread goes back to serving and whoever calls
//      Signal later finishes the call.
#include <exception>

#include "base/log.h"
#include "com/async_call_control.h"
#include "com/call_frame.h"
#include "com/orpc_dispatcher.h"
#include "guise/objidl.h"
#include "ndr/proxy_registry.h"

namespace guise::com {

std::optional<Status> OrpcDispatcher::run_async_call(const ExportedInterface& itf,
                                                     const std::shared_ptr<Apartment>& sta, rpc::ServerCall& call,
                                                     const GUID& cid, std::span<const std::byte> params,
                                                     ndr::ByteOrder order, const ReplySource& take_reply) {
  const rpc::CallAttributes& attributes = call.attributes();
  const ndr::AsyncProxyStubEntry* entry =
      ndr::ProxyStubRegistry::instance().find_async_for_sync(attributes.interface_id.uuid);
  if (entry == nullptr || itf.pointer == nullptr) return std::nullopt;
  ComPtr<ICallFactory> factory;
  if (FAILED(itf.pointer->QueryInterface(IID_ICallFactory, reinterpret_cast<void**>(factory.GetAddressOf()))) ||
      !factory) {
    return std::nullopt;
  }

  AsyncCallControl::Call meta;
  meta.entry = entry;
  meta.opnum = attributes.opnum;
  meta.causality = cid;
  meta.peer = peer_of(attributes);
  meta.marshaler = &marshaler_;
  meta.limits = ndr_limits_;
  meta.order = order;
  meta.sta = sta;
  ComPtr<AsyncCallControl> control = AsyncCallControl::create(std::move(meta));

  ndr::CallContext ctx;
  ctx.interfaces = &marshaler_;
  ctx.limits = ndr_limits_;
  ctx.byte_order = order;
  ctx.runtime_call = &call;
  const std::uint16_t opnum = attributes.opnum;
  Status begin = Status::Ok();
  HRESULT begin_hr = S_OK;
  {
    CallFrame frame(&call, cid, peer_of(attributes));
    IUnknown* inner = nullptr;
    HRESULT created = E_UNEXPECTED;
    try {
      created = factory->CreateCall(entry->async_iid, static_cast<ISynchronize*>(control.Get()), IID_IUnknown, &inner);
    } catch (...) {
      created = E_UNEXPECTED;
    }
    if (FAILED(created) || inner == nullptr) {
      log::debug("orpc: {} object refused CreateCall ({:08x}); the call runs synchronously", entry->name,
                 static_cast<unsigned>(created));
      if (inner != nullptr) inner->Release();
      return std::nullopt;
    }
    Result<rpc::DeferredReply> reply = take_reply();
    if (!reply.ok()) {
      inner->Release();
      return std::move(reply).status();
    }
    IUnknown* async = control->attach(inner, std::move(reply).value(), frame.context());
    if (async == nullptr) {
      begin = Status(StatusCode::kInternal, "orpc: the call object has no asynchronous interface", RPC_E_SERVERFAULT);
      log::warn("orpc: {} call object from CreateCall lacks {}", entry->name, entry->name);
    } else {
      try {
        begin = entry->invoke_begin(async, opnum, params, ctx, &begin_hr);
      } catch (const std::exception& e) {
        log::warn("orpc: {} Begin_ of method {} threw: {}", entry->name, opnum, e.what());
        begin = Status(StatusCode::kInternal, "orpc: Begin_ threw", RPC_E_SERVERFAULT);
      } catch (...) {
        log::warn("orpc: {} Begin_ of method {} threw a non-exception", entry->name, opnum);
        begin = Status(StatusCode::kInternal, "orpc: Begin_ threw", RPC_E_SERVERFAULT);
      }
    }
  }  // the call's scope ends as a synchronous call's: the context is dead (R4), helpers reverted (R22)
  // An impersonation Begin_ left (before Signal, R61) ends with Begin_: Finish_ and the next call on
  // this thread start at the process identity.
  call.revert_to_self();
  control->begin_returned(begin, begin_hr);
  return Status::Ok();
}

}  // namespace guise::com
