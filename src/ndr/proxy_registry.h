// proxy_registry.h: the generated proxies and stubs of [object] interfaces, found by IID.
//
// Every file guise-midl generates for [object] interfaces registers one ProxyStubEntry per interface
// (at static initialisation, and again idempotently through its `<file>_register_proxy_stubs()`
// function for programs that link it from a static library). COM remoting finds the entry by IID:
// create_proxy builds the client-side object that marshals calls into a ProxyChannel, invoke_stub
// decodes one request against a server object. Opnums count from the start of the vtable, IUnknown's
// three methods included (MS-DCOM §3.1.1.5.1), so an interface's first own method is opnum 3.
// Thread-safety: add/find may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "guise/unknwn.h"
#include "ndr/async_proxy.h"
#include "ndr/call_context.h"
#include "ndr/interface_marshaler.h"
#include "ndr/writer.h"

namespace guise::ndr {

// What a proxy sends its calls through; implemented by COM remoting (the proxy manager adds
// ORPCTHIS/ORPCTHAT and picks the binding). One call = one request body, one response body.
class ProxyChannel {
 public:
  virtual ~ProxyChannel() = default;
  [[nodiscard]] virtual Result<std::vector<std::byte>> invoke(const IID& iid, std::uint16_t opnum,
                                                              std::span<const std::byte> stub_in) = 0;
  // Marshals interface pointers found in parameters (may be null: then they cannot be sent).
  virtual InterfaceMarshaler* interface_marshaler() { return nullptr; }
  // Decoding limits for responses.
  virtual Limits limits() { return {}; }
};

// Destroys a proxy made by create_proxy (the proxy type is private to its generated file).
struct ProxyDeleter {
  void (*destroy)(IUnknown*) = nullptr;
  void operator()(IUnknown* p) const noexcept {
    if (p != nullptr) destroy(p);
  }
};
using ProxyPtr = std::unique_ptr<IUnknown, ProxyDeleter>;

struct ProxyStubEntry {
  const char* name;            // "IFoo"
  IID iid;
  IID base_iid;                // IID_IUnknown for direct children
  std::uint16_t method_count;  // vtable slots, IUnknown's three included
  // The proxy: an object implementing the interface whose IUnknown methods delegate to `outer` (the
  // proxy manager's identity) and whose other methods marshal into `channel`. Both must outlive it.
  // The returned pointer is the interface pointer (the IFoo*, as IUnknown*).
  ProxyPtr (*create_proxy)(IUnknown* outer, ProxyChannel& channel);
  // Decodes request `stub_in` for `opnum` (3 ≤ opnum < method_count), calls `object` (which must
  // implement this interface: pass the pointer QueryInterface gave for iid), encodes the response.
  // A bad body is kInvalidInput (RPC_X_BAD_STUB_DATA); the method's HRESULT is in the response.
  Status (*invoke_stub)(IUnknown* object, std::uint16_t opnum, std::span<const std::byte> stub_in,
                        Writer& stub_out, CallContext& ctx);
};

class ProxyStubRegistry {
 public:
  static ProxyStubRegistry& instance();
  // Registers `entry`; a second registration of the same IID is ignored (the first wins).
  void add(const ProxyStubEntry& entry);
  // The entry for `iid`, or nullptr. Entries live as long as the process.
  const ProxyStubEntry* find(const IID& iid) const;
  std::vector<IID> registered() const;

  // Asynchronous halves (async_proxy.h), as add/find. find_async takes the async IID,
  // find_async_for_sync the synchronous one (nullptr when that interface has no async_uuid).
  void add_async(const AsyncProxyStubEntry& entry);
  const AsyncProxyStubEntry* find_async(const IID& async_iid) const;
  const AsyncProxyStubEntry* find_async_for_sync(const IID& sync_iid) const;

 private:
  struct Impl;
  ProxyStubRegistry();
  std::unique_ptr<Impl> impl_;
};

}  // namespace guise::ndr
