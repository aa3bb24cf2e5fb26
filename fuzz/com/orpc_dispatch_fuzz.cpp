// libFuzzer: arbitrary ORPC requests through the server's dispatcher into a real object exporter —
// ORPCTHIS, the generated IRemUnknown2 and IClassFactory stubs, and the exporter's reference counting
// and query paths — the way a hostile client reaches them (no socket: the RPC layer is fuzzed apart).
//
// Input: [selector][opnum][body...]. The selector picks the object UUID (the IRemUnknown IPID, an
// exported class object's IPID, or a forged one) and the interface (IRemUnknown, IRemUnknown2,
// IClassFactory); the body is the request stub. Interface pointers in parameters go to a marshaler
// that refuses them, so nothing leaves the process.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "com/object_exporter.h"
#include "com/orpc_dispatcher.h"
#include "com/rem_unknown.h"
#include "guise/objbase.h"
#include "remunkn.h"
#include "rpc/server_call.h"

void guise_com_register_builtin_proxy_stubs();

namespace {

using namespace guise;
using namespace guise::com;

class RefusingMarshaler final : public ndr::InterfaceMarshaler {
 public:
  Result<std::vector<std::byte>> marshal_interface(IUnknown*, const IID&) override {
    return Status(StatusCode::kUnimplemented, "fuzz: no marshaling");
  }
  Result<IUnknown*> unmarshal_interface(std::span<const std::byte>, const IID&) override {
    return Status(StatusCode::kUnimplemented, "fuzz: no unmarshaling");
  }
};

// A class object that creates nothing (CreateInstance fails), so replies carry no interface pointers.
class Factory final : public IClassFactory {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IClassFactory) {
      *ppv = static_cast<IClassFactory*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs_; }  // static: never deleted
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown*, REFIID, void** ppv) override {
    *ppv = nullptr;
    return E_OUTOFMEMORY;
  }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL) override { return S_OK; }

 private:
  std::atomic<ULONG> refs_{1};
};

struct World {
  World() : exporter(0x1122334455667788ull, {}), dispatcher(exporter, marshaler, {}) {
    remunkn_register_proxy_stubs();
    guise_com_register_builtin_proxy_stubs();
    rem_unknown_ipid = GUID{0x01020304, 0x0506, 0x0708, {9, 10, 11, 12, 13, 14, 15, 16}};
    auto* rem = new RemUnknown(exporter, {}, [] { return DualStringArray{}; });
    exporter.add_rem_unknown(rem_unknown_ipid, rem, ndr::ProxyStubRegistry::instance().find(IID_IRemUnknown2));
    rem->Release();
  }
  // Exports the class object again when a previous input released it (as the fuzzer may).
  Ipid factory_ipid() {
    auto std = exporter.export_interface(&factory, IID_IClassFactory, MarshalKind::kNormal, PeerKey::self());
    return std.ok() ? std->ipid : GUID_NULL;
  }
  ObjectExporter exporter;
  RefusingMarshaler marshaler;
  OrpcDispatcher dispatcher;
  Factory factory;
  Ipid rem_unknown_ipid{};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();
  if (size < 2) return 0;
  const std::uint8_t selector = data[0];
  rpc::CallAttributes attributes;
  attributes.opnum = data[1];
  attributes.transport = rpc::TransportKind::kLocal;
  attributes.client_pid = 4242;
  switch (selector % 3) {
    case 0: attributes.object = world->rem_unknown_ipid; break;
    case 1: attributes.object = world->factory_ipid(); break;
    default: attributes.object = GUID{0xDEAD, 1, 2, {3, 4, 5, 6, 7, 8, 9, 10}}; break;
  }
  const IID interfaces[] = {IID_IRemUnknown, IID_IRemUnknown2, IID_IClassFactory};
  attributes.interface_id = rpc::InterfaceId{interfaces[(selector / 3) % 3], 0, 0};
  rpc::ServerCall call(std::move(attributes));
  std::vector<std::byte> out;
  (void)world->dispatcher.dispatch(call, std::span(reinterpret_cast<const std::byte*>(data) + 2, size - 2), out);
  return 0;
}
