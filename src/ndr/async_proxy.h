// async_proxy.h: the generated half of asynchronous calls — the AsyncIFoo proxy a client call object
// marshals through, and the Begin_/Finish_ stub halves a server call object is driven by.
//
// For every [object] interface with an [async_uuid], guise-midl registers one AsyncProxyStubEntry
// (ProxyStubRegistry::add_async), found by the async IID or by the synchronous IID. On the wire an
// asynchronous call is the synchronous call (MS-DCOM): the same IID (the synchronous one), the same
// opnum, the same NDR bodies — Begin_M sends what M's request carries ([in] and [in, out]), Finish_M
// receives what M's response carries ([out], [in, out] and the HRESULT). So an async client can call
// a server that processes synchronously and the other way round.
//
// Opnums here are the synchronous interface's (IUnknown's three counted), so Begin_M and Finish_M both
// use M's opnum. The async vtable is IUnknown's three slots, then Begin_/Finish_ pairs in the
// synchronous vtable's order.
// Thread-safety: entries are immutable; the functions are reentrant.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "guise/unknwn.h"
#include "ndr/call_context.h"
#include "ndr/interface_marshaler.h"
#include "ndr/limits.h"
#include "ndr/writer.h"

namespace guise::ndr {

// What a client call object gives its generated AsyncIFoo proxy: one call at a time.
class AsyncProxyChannel {
 public:
  virtual ~AsyncProxyChannel() = default;
  // Sends the request of synchronous method `opnum` of `sync_iid`. S_OK once it left (the reply is
  // awaited through the call object); RPC_S_CALLPENDING when this call object already has a call in
  // progress; any other failure as the HRESULT Begin_ returns (then no call is in progress).
  virtual HRESULT begin(const IID& sync_iid, std::uint16_t opnum, std::span<const std::byte> stub_in) = 0;
  // Waits for the reply of the call begun for `opnum` and moves its response body into `stub_out`.
  // S_OK: decode `stub_out` (the method's HRESULT is in it). RPC_E_CALL_COMPLETE when no call was
  // begun or it was already finished; any other failure (RPC_E_CALL_CANCELED, RPC_E_DISCONNECTED, a
  // fault) as Finish_'s result. After finish() the call object is free for the next Begin_.
  virtual HRESULT finish(std::uint16_t opnum, std::vector<std::byte>& stub_out) = 0;
  // Marshals interface pointers in parameters (may be null: then they cannot be sent).
  virtual InterfaceMarshaler* interface_marshaler() { return nullptr; }
  // Decoding limits for responses.
  virtual Limits limits() { return {}; }
};

// Destroys an async proxy made by create_async_proxy (its type is private to its generated file).
struct AsyncProxyDeleter {
  void (*destroy)(IUnknown*) = nullptr;
  void operator()(IUnknown* p) const noexcept {
    if (p != nullptr) destroy(p);
  }
};
using AsyncProxyPtr = std::unique_ptr<IUnknown, AsyncProxyDeleter>;

struct AsyncProxyStubEntry {
  const char* name;             // "AsyncIFoo"
  IID async_iid;                // IID_AsyncIFoo
  IID sync_iid;                 // IID_IFoo
  IID async_base_iid;           // IID_AsyncIBase, or IID_IUnknown when the base has no async_uuid
  std::uint16_t sync_method_count;  // IFoo's vtable slots, IUnknown's three included
  // The client half: an object implementing AsyncIFoo whose IUnknown methods delegate to `outer` (the
  // call object) and whose Begin_/Finish_ marshal into `channel`. Both must outlive it. The returned
  // pointer is the AsyncIFoo* (as IUnknown*). Finish_ sets every [out] pointer (to zero/NULL when the
  // call failed) as a synchronous proxy does.
  AsyncProxyPtr (*create_async_proxy)(IUnknown* outer, AsyncProxyChannel& channel);
  // The server halves. `object` is the server call object's AsyncIFoo (from the object's
  // ICallFactory::CreateCall). invoke_begin decodes request `stub_in` for synchronous `opnum` and calls
  // Begin_M with it; [in] memory lives until invoke_begin returns (as MIDL: a server copies what it
  // keeps). Bad data is kInvalidInput (RPC_X_BAD_STUB_DATA) and Begin_ is not called; otherwise Begin_'s
  // HRESULT goes to `*begin_result`.
  Status (*invoke_begin)(IUnknown* object, std::uint16_t opnum, std::span<const std::byte> stub_in, CallContext& ctx,
                         HRESULT* begin_result);
  // Calls Finish_M for `opnum` and encodes its [out] parameters and HRESULT as M's response.
  Status (*invoke_finish)(IUnknown* object, std::uint16_t opnum, Writer& stub_out, CallContext& ctx);
};

}  // namespace guise::ndr
