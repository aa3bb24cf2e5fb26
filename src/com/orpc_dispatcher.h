// orpc_dispatcher.h: the server half of an ORPC call (MS-DCOM §3.1.1.5.4) — from an RPC request on
// an IPID to the object's generated stub, on the thread that read the request.
//
// The dispatcher registers, with the process's rpc::Server, every [object] interface the proxy/stub
// registry knows (version 0.0, one handler per opnum past IUnknown's three), so any exported IPID can
// be called. Per call, in order:
//   1. the object UUID must be an IPID this process exports, for this IID or an interface it derives
//      from — otherwise a fault (RPC_E_DISCONNECTED for an IPID that is unknown, disconnected or run
//      down; RPC_E_INVALID_IPID for one marshaled for another interface): a forged IPID reaches no
//      object;
//   2. ORPCTHIS is decoded and its COM version checked (RPC_E_VERSION_MISMATCH);
//   3. the call runs inside a CallFrame (spec R8: saved and restored around the call; causality id;
//      caller's peer key) inside the call's ProcessIdentityScope (DESIGN decision 5), in the object's
//      apartment: an MTA object's call right here, on the reading thread, as an MTA thread (the rpc
//      layer has entered the scope); an STA object's call is deferred (rpc::ServerCall::defer) and
//      posted to its STA, whose thread opens the scope, runs the same run_call and writes the reply
//      (sta_dispatch.cpp). A call posted to an STA keeps its peer's rpc call slot until it is
//      answered, so rpc::Limits::max_calls_per_peer bounds what one peer can queue for an STA (and
//      ApartmentLimits::max_queued_work what everyone can); a call dropped unrun because the STA
//      closed faults with RPC_E_DISCONNECTED;
//   4. the generated stub decodes the parameters (interface pointers through the ComMarshaler),
//      calls the object and encodes the reply after ORPCTHAT. A method that throws never sends its
//      exception: the caller gets RPC_E_SERVERFAULT. Bad stub data is RPC_X_BAD_STUB_DATA. An object
//      that implements ICallFactory for an interface with an [async_uuid] gets the call asynchronously
//      instead (async_dispatch.cpp, docs/async.md): the reply is deferred, Begin_ runs here inside the
//      CallFrame, and the reply leaves once Begin_ returned and the object signalled
//      (async_call_control.h) — the serving thread goes back to serving meanwhile.
// The dispatched object is held for the whole call, so CoDisconnectObject or a rundown during the
// call lets it finish. Thread-safety: dispatch runs concurrently on the server's threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "com/limits.h"
#include "com/object_exporter.h"
#include "ndr/interface_marshaler.h"
#include "ndr/data_representation.h"
#include "ndr/writer.h"
#include "rpc/deferred_reply.h"
#include "rpc/interface_registry.h"
#include "rpc/server_call.h"

namespace guise::com {

class OrpcDispatcher {
 public:
  OrpcDispatcher(ObjectExporter& exporter, ndr::InterfaceMarshaler& marshaler, ComLimits limits,
                 ndr::Limits ndr_limits = {})
      : exporter_(exporter), marshaler_(marshaler), limits_(limits), ndr_limits_(ndr_limits) {}

  // One registration per [object] interface registered with the proxy/stub registry now.
  std::vector<rpc::InterfaceRegistration> registrations();

  [[nodiscard]] Status dispatch(rpc::ServerCall& call, std::span<const std::byte> in, std::vector<std::byte>& out);

 private:
  // Takes the call's reply over, for an asynchronous call answered later: ServerCall::defer() on the
  // thread that read the request, the StaCall's DeferredReply on an STA.
  using ReplySource = std::function<Result<rpc::DeferredReply>()>;
  // Steps 3-4 on the thread that runs the call (already in the object's apartment and in the call's
  // ProcessIdentityScope): ORPCTHAT then the stub's reply into `writer` — unless the object processes
  // the call asynchronously: then the reply was taken through `take_reply` and `writer` stays empty.
  Status run_call(const ExportedInterface& itf, const std::shared_ptr<Apartment>& sta, rpc::ServerCall& call,
                  const GUID& cid, std::span<const std::byte> params, ndr::ByteOrder order, ndr::Writer& writer,
                  const ReplySource& take_reply);
  // Step 4 for an object that answers QueryInterface(IID_ICallFactory) on an interface with an
  // [async_uuid] (async_dispatch.cpp): nullopt when it does not take this call (no async entry, no
  // ICallFactory, CreateCall refused) and the synchronous stub runs instead.
  std::optional<Status> run_async_call(const ExportedInterface& itf, const std::shared_ptr<Apartment>& sta,
                                       rpc::ServerCall& call, const GUID& cid, std::span<const std::byte> params,
                                       ndr::ByteOrder order, const ReplySource& take_reply);
  // Defers `call` and posts it to target.sta (sta_dispatch.cpp).
  Status post_to_sta(DispatchTarget target, rpc::ServerCall& call, const GUID& cid,
                     std::span<const std::byte> params, ndr::ByteOrder order);

  ObjectExporter& exporter_;
  ndr::InterfaceMarshaler& marshaler_;
  ComLimits limits_;
  ndr::Limits ndr_limits_;
};

}  // namespace guise::com
