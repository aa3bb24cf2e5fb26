// call_factory.cpp: ICallFactory over a proxy manager (call_factory.h).
#include "com/call_factory.h"

#include <atomic>

#include "base/hresult_map.h"
#include "base/log.h"
#include "com/client_call_object.h"
#include "com/proxy_manager.h"
#include "guise/com_ptr.h"
#include "ndr/proxy_registry.h"

namespace guise::com {
namespace {

class ProxyCallFactory final : public ICallFactory {
 public:
  explicit ProxyCallFactory(ProxyManager& manager) : manager_(&manager) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_ICallFactory) {
      AddRef();
      *ppv = static_cast<ICallFactory*>(this);
      return S_OK;
    }
    return manager_->QueryInterface(riid, ppv);
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG STDMETHODCALLTYPE Release() override {
    const ULONG left = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (left == 0) delete this;
    return left;
  }

  HRESULT STDMETHODCALLTYPE CreateCall(REFIID riid, IUnknown* pCtrlUnk, REFIID riid2, IUnknown** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (pCtrlUnk != nullptr && riid2 != IID_IUnknown) return CLASS_E_NOAGGREGATION;
    const ndr::AsyncProxyStubEntry* entry = ndr::ProxyStubRegistry::instance().find_async(riid);
    if (entry == nullptr) return E_NOINTERFACE;
    auto channel = manager_->call_channel(entry->sync_iid);
    if (!channel.ok()) return status_to_hresult(channel.status());
    return ClientCallObject::create(ComPtr<ProxyManager>(manager_), std::move(*channel), *entry, pCtrlUnk, riid2,
                                    reinterpret_cast<void**>(ppv));
  }

 private:
  ~ProxyCallFactory() = default;
  ComPtr<ProxyManager> manager_;
  std::atomic<ULONG> refs_{1};
};

}  // namespace

HRESULT query_call_factory(ProxyManager& manager, void** ppv) {
  *ppv = static_cast<ICallFactory*>(new ProxyCallFactory(manager));
  return S_OK;
}

}  // namespace guise::com
