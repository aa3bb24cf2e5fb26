#include "com/class_registry.h"

#include <atomic>
#include <cstdlib>

#include "base/guid_string.h"
#include "base/hresult_map.h"
#include "base/log.h"
#include "com/class_directory.h"
#include "com/object_exporter.h"
#include "com/runtime.h"
#include "guise/implements.h"

namespace guise::com {
namespace {

// Wraps a REGCLS_SINGLEUSE class object: its first CreateInstance retires the directory entry.
class SingleUseFactory final : public RuntimeClass<IClassFactory> {
 public:
  SingleUseFactory(ComPtr<IClassFactory> inner, DWORD cookie) : inner_(std::move(inner)), cookie_(cookie) {}
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID riid, void** ppv) override {
    if (!used_.exchange(true)) ClassRegistry::instance().single_use_consumed(cookie_);
    return inner_->CreateInstance(outer, riid, ppv);
  }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL lock) override { return inner_->LockServer(lock); }

 private:
  ~SingleUseFactory() override = default;
  ComPtr<IClassFactory> inner_;
  DWORD cookie_;
  std::atomic<bool> used_{false};
};

}  // namespace

ClassRegistry& ClassRegistry::instance() {
  static ClassRegistry* registry = [] {
    auto* r = new ClassRegistry();
    std::atexit([] { ClassRegistry::instance().revoke_all(); });
    return r;
  }();
  return *registry;
}

Status ClassRegistry::publish_locked(Registration& r) {
  if (r.published || r.consumed || (r.context & CLSCTX_LOCAL_SERVER) == 0) return Status::Ok();
  GUISE_TRY(std::string directory, class_publish_directory());
  ComPtr<IUnknown> factory;
  const IID iid = SUCCEEDED(r.exported->QueryInterface(IID_IClassFactory, reinterpret_cast<void**>(factory.GetAddressOf())))
                      ? IID_IClassFactory
                      : IID_IUnknown;
  GUISE_TRY(ObjRef objref, Runtime::instance().marshaler().marshal(r.exported.Get(), iid, MarshalKind::kTableStrong));
  std::vector<std::byte> bytes = encode_objref(objref);
  if (Status st = publish_class_entry(directory, r.clsid, bytes); !st.ok()) {
    (void)Runtime::instance().marshaler().release(objref);
    return st;
  }
  r.published = true;
  r.directory = std::move(directory);
  r.objref = std::move(objref);
  r.objref_bytes = std::move(bytes);
  return Status::Ok();
}

void ClassRegistry::unpublish_locked(Registration& r) {
  if (!r.published) return;
  remove_class_entry(r.directory, r.clsid, r.objref_bytes);
  (void)Runtime::instance().marshaler().release(r.objref);
  r.published = false;
}

HRESULT ClassRegistry::register_class(const CLSID& clsid, IUnknown* object, DWORD context, DWORD flags,
                                      DWORD* cookie) {
  std::lock_guard lock(mu_);
  for (const auto& [existing, r] : registrations_) {
    if (r.clsid == clsid && (r.context & context) != 0 && !r.consumed) return CO_E_OBJISREG;
  }
  const DWORD id = next_cookie_++;
  Registration r;
  r.clsid = clsid;
  r.object = ComPtr<IUnknown>(object);
  r.context = context;
  r.flags = flags;
  r.exported = r.object;
  ComPtr<IClassFactory> factory;
  if ((flags & (REGCLS_MULTIPLEUSE | REGCLS_MULTI_SEPARATE)) == 0 &&
      SUCCEEDED(object->QueryInterface(IID_IClassFactory, reinterpret_cast<void**>(factory.GetAddressOf())))) {
    ComPtr<IUnknown> wrapper;
    wrapper.Attach(static_cast<IClassFactory*>(new SingleUseFactory(factory, id)));
    r.exported = wrapper;
  }
  if ((flags & REGCLS_SUSPENDED) == 0) {
    if (Status st = publish_locked(r); !st.ok()) {
      log::warn("com: CoRegisterClassObject {}: {}", format_guid_braced(clsid), st.to_string());
      return status_to_hresult(st);
    }
  }
  registrations_.emplace(id, std::move(r));
  *cookie = id;
  return S_OK;
}

HRESULT ClassRegistry::revoke(DWORD cookie) {
  Registration removed;
  {
    std::lock_guard lock(mu_);
    auto it = registrations_.find(cookie);
    if (it == registrations_.end()) return E_INVALIDARG;
    unpublish_locked(it->second);
    removed = std::move(it->second);
    registrations_.erase(it);
  }
  return S_OK;  // `removed` releases the class object outside the lock
}

HRESULT ClassRegistry::resume_all() {
  std::lock_guard lock(mu_);
  HRESULT result = S_OK;
  for (auto& [cookie, r] : registrations_) {
    if (Status st = publish_locked(r); !st.ok() && result == S_OK) result = status_to_hresult(st);
  }
  return result;
}

HRESULT ClassRegistry::suspend_all() {
  std::lock_guard lock(mu_);
  for (auto& [cookie, r] : registrations_) unpublish_locked(r);
  return S_OK;
}

ULONG ClassRegistry::add_ref_server_process() {
  std::lock_guard lock(mu_);
  return ++server_process_refs_;
}

ULONG ClassRegistry::release_server_process() {
  std::lock_guard lock(mu_);
  if (server_process_refs_ > 0) --server_process_refs_;
  if (server_process_refs_ == 0) {
    for (auto& [cookie, r] : registrations_) unpublish_locked(r);
  }
  return server_process_refs_;
}

ComPtr<IUnknown> ClassRegistry::find(const CLSID& clsid, DWORD context) {
  std::lock_guard lock(mu_);
  for (const auto& [cookie, r] : registrations_) {
    if (r.clsid == clsid && (r.context & context) != 0 && !r.consumed) return r.object;
  }
  return {};
}

ComPtr<IUnknown> ClassRegistry::find_published(const CLSID& clsid) {
  std::lock_guard lock(mu_);
  for (const auto& [cookie, r] : registrations_) {
    if (r.clsid == clsid && (r.context & CLSCTX_LOCAL_SERVER) != 0 && r.published && !r.consumed) return r.exported;
  }
  return {};
}

void ClassRegistry::single_use_consumed(DWORD cookie) {
  std::lock_guard lock(mu_);
  auto it = registrations_.find(cookie);
  if (it == registrations_.end()) return;
  // The entry leaves the directory; the table marshal stays so this client's proxy keeps working.
  if (it->second.published) remove_class_entry(it->second.directory, it->second.clsid, it->second.objref_bytes);
  it->second.consumed = true;
}

void ClassRegistry::revoke_all() {
  std::map<DWORD, Registration> removed;
  {
    std::lock_guard lock(mu_);
    for (auto& [cookie, r] : registrations_) unpublish_locked(r);
    removed.swap(registrations_);
  }
}

}  // namespace guise::com
