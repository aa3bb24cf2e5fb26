// class_factory_proxy.cpp: the proxy and stub of IClassFactory, registered by IID like generated
// ones (ndr/proxy_registry.h).
//
// Windows' IClassFactory is [local] with [call_as] remote forms, which guise-midl does not compile:
// on the wire, opnum 3 is RemoteCreateInstance([in] REFIID riid, [out, iid_is(riid)] IUnknown**
// ppvObject) and opnum 4 RemoteLockServer([in] BOOL fLock) (MS-DCOM's unknwn.idl shape), while the
// vtable keeps CreateInstance(pUnkOuter, riid, ppv) and LockServer(fLock). The proxy refuses
// aggregation locally (CLASS_E_NOAGGREGATION, as Windows' does) and the stub always passes a NULL
// outer. Interface pointers go through the channel's / call's InterfaceMarshaler.
#include <atomic>

#include "guise/objbase.h"
#include "ndr/generated_support.h"

namespace {

using guise::Status;
namespace ndr = guise::ndr;

constexpr std::uint16_t kOpCreateInstance = 3;
constexpr std::uint16_t kOpLockServer = 4;

class ClassFactoryProxy final : public IClassFactory {
 public:
  ClassFactoryProxy(IUnknown* outer, ndr::ProxyChannel& channel) : outer_(outer), channel_(channel) {}
  using IUnknown::QueryInterface;
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override { return outer_->QueryInterface(riid, ppv); }
  ULONG STDMETHODCALLTYPE AddRef() override { return outer_->AddRef(); }
  ULONG STDMETHODCALLTYPE Release() override { return outer_->Release(); }

  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* pUnkOuter, REFIID riid, void** ppvObject) override {
    if (ppvObject == nullptr) return E_POINTER;
    *ppvObject = nullptr;
    if (pUnkOuter != nullptr) return CLASS_E_NOAGGREGATION;
    ndr::Writer w;
    w.set_interface_marshaler(channel_.interface_marshaler());
    ndr::put(w, riid);
    auto reply = channel_.invoke(IID_IClassFactory, kOpCreateInstance, w.bytes());
    if (!reply.ok()) return ndr::to_hresult(reply.status());
    ndr::Reader r(*reply, channel_.limits());
    r.set_interface_marshaler(channel_.interface_marshaler());
    IUnknown* object = nullptr;
    std::int32_t hr = 0;
    Status st = ndr::get_interface_flat(r, object);
    if (st.ok()) st = ndr::get_interface_deferred(r, object, riid);
    if (st.ok()) st = ndr::get(r, hr);
    if (st.ok()) st = r.expect_end();
    if (!st.ok()) {
      ndr::free_interface(object);
      return ndr::to_hresult(st);
    }
    *ppvObject = object;
    return hr;
  }

  HRESULT STDMETHODCALLTYPE LockServer(BOOL fLock) override {
    ndr::Writer w;
    ndr::put(w, static_cast<std::int32_t>(fLock));
    auto reply = channel_.invoke(IID_IClassFactory, kOpLockServer, w.bytes());
    if (!reply.ok()) return ndr::to_hresult(reply.status());
    ndr::Reader r(*reply, channel_.limits());
    std::int32_t hr = 0;
    Status st = ndr::get(r, hr);
    if (st.ok()) st = r.expect_end();
    return st.ok() ? hr : ndr::to_hresult(st);
  }

 private:
  IUnknown* outer_;
  ndr::ProxyChannel& channel_;
};

Status class_factory_stub(IUnknown* object, std::uint16_t opnum, std::span<const std::byte> in, ndr::Writer& w,
                          ndr::CallContext& ctx) {
  auto* factory = static_cast<IClassFactory*>(object);
  ndr::Reader r(in, ctx.limits, ctx.byte_order);
  r.set_interface_marshaler(ctx.interfaces);
  w.set_interface_marshaler(ctx.interfaces);
  if (opnum == kOpCreateInstance) {
    IID riid{};
    GUISE_RETURN_IF_ERROR(ndr::get(r, riid));
    GUISE_RETURN_IF_ERROR(r.expect_end());
    IUnknown* created = nullptr;
    const HRESULT hr = factory->CreateInstance(nullptr, riid, reinterpret_cast<void**>(&created));
    const ndr::Defer release([&] { ndr::free_interface(created); });
    IUnknown* sent = SUCCEEDED(hr) ? created : nullptr;
    ndr::put_interface_flat(w, sent);
    GUISE_RETURN_IF_ERROR(ndr::put_interface_deferred(w, sent, riid));
    ndr::put(w, static_cast<std::int32_t>(hr));
    return Status::Ok();
  }
  if (opnum == kOpLockServer) {
    std::int32_t lock = 0;
    GUISE_RETURN_IF_ERROR(ndr::get(r, lock));
    GUISE_RETURN_IF_ERROR(r.expect_end());
    ndr::put(w, static_cast<std::int32_t>(factory->LockServer(lock)));
    return Status::Ok();
  }
  return Status(guise::StatusCode::kInvalidInput, "ndr: opnum out of range for IClassFactory",
                static_cast<HRESULT>(0x1C010002u));
}

ndr::ProxyPtr create_class_factory_proxy(IUnknown* outer, ndr::ProxyChannel& channel) {
  auto* proxy = new ClassFactoryProxy(outer, channel);
  return ndr::ProxyPtr(static_cast<IUnknown*>(static_cast<IClassFactory*>(proxy)),
                       ndr::ProxyDeleter{[](IUnknown* p) {
                         delete static_cast<ClassFactoryProxy*>(static_cast<IClassFactory*>(p));
                       }});
}

}  // namespace

// Registers IClassFactory's proxy and stub (idempotent; the runtime calls it before first use).
void guise_com_register_builtin_proxy_stubs() {
  ndr::ProxyStubRegistry::instance().add(ndr::ProxyStubEntry{"IClassFactory", IID_IClassFactory, IID_IUnknown, 5,
                                                             &create_class_factory_proxy, &class_factory_stub});
}
