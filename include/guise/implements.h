// implements.h: IUnknown for your own COM classes, and a class object that makes them (the shapes of
// WRL's RuntimeClass, Make and SimpleClassFactory, without WRL's flags).
//
//   class Vault final : public guise::RuntimeClass<IFileVault> { ... only IFileVault's methods ... };
//   ComPtr<IClassFactory> factory = guise::MakeClassFactory([dir] { return new (std::nothrow) Vault(dir); });
//   CoRegisterClassObject(CLSID_Vault, factory.Get(), CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
//
// RuntimeClass<I...> answers QueryInterface for IID_IUnknown (always as the first listed interface, so
// every QI for IUnknown gives the same pointer: COM's identity rule) and for each listed interface's IID
// (guise::uuidof, which generated headers define); anything else is E_NOINTERFACE with *ppv set to null.
// An object starts with one reference, owned by whoever created it; the last Release deletes it.
// Thread-safety: the reference count is atomic, so AddRef/Release/QueryInterface may race from any
// thread; everything else is the class's own business. Aggregation is not offered: the class object
// answers CLASS_E_NOAGGREGATION for an outer unknown, as most Windows class objects do.
#pragma once

#include <atomic>
#include <new>
#include <type_traits>
#include <utility>

#include "guise/com_ptr.h"
#include "guise/objidl.h"

namespace guise {

template <class First, class... Rest>
class RuntimeClass : public First, public Rest... {
  static_assert((std::is_base_of_v<IUnknown, First> && ... && std::is_base_of_v<IUnknown, Rest>),
                "RuntimeClass lists COM interfaces");

 public:
  RuntimeClass() = default;
  RuntimeClass(const RuntimeClass&) = delete;
  RuntimeClass& operator=(const RuntimeClass&) = delete;

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (riid == IID_IUnknown || riid == uuidof<First>()) {
      *ppv = static_cast<First*>(this);
    } else {
      (void)(found<Rest>(riid, ppv) || ...);  // the first listed interface that matches
    }
    if (*ppv == nullptr) return E_NOINTERFACE;
    AddRef();
    return S_OK;
  }
  template <class Q>
  HRESULT STDMETHODCALLTYPE QueryInterface(Q** pp) {  // the typed form, as IUnknown's
    return QueryInterface(uuidof<Q>(), reinterpret_cast<void**>(pp));
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG STDMETHODCALLTYPE Release() override {
    const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (left == 0) delete this;
    return left;
  }

 protected:
  virtual ~RuntimeClass() = default;

 private:
  template <class Interface>
  bool found(REFIID riid, void** ppv) {
    if (riid != uuidof<Interface>()) return false;
    *ppv = static_cast<Interface*>(this);
    return true;
  }

  std::atomic<ULONG> refs_{1};
};

// A new T holding its one reference in a ComPtr (WRL's Make); null when memory ran out.
template <class T, class... Args>
ComPtr<T> Make(Args&&... args) {
  ComPtr<T> made;
  made.Attach(new (std::nothrow) T(std::forward<Args>(args)...));
  return made;
}

// The class object for CoRegisterClassObject: CreateInstance calls `create` — which returns a new
// object holding one reference, or null when it could not make one (E_OUTOFMEMORY) — then hands out
// the interface asked for. LockServer succeeds and changes nothing: a guise server's lifetime is its
// own (it runs until it revokes its class objects), not counted by its clients.
template <class Create>
class FunctionClassFactory final : public RuntimeClass<IClassFactory> {
 public:
  explicit FunctionClassFactory(Create create) : create_(std::move(create)) {}

  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (outer != nullptr) return CLASS_E_NOAGGREGATION;
    auto* object = create_();
    if (object == nullptr) return E_OUTOFMEMORY;
    const HRESULT hr = object->QueryInterface(riid, ppv);
    object->Release();
    return hr;
  }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL) override { return S_OK; }

 private:
  Create create_;
};

template <class Create>
ComPtr<IClassFactory> MakeClassFactory(Create create) {
  ComPtr<IClassFactory> factory;
  factory.Attach(new (std::nothrow) FunctionClassFactory<Create>(std::move(create)));
  return factory;
}

}  // namespace guise
