#include "integration/com/probe_class.h"

#include <atomic>
#include <mutex>

#include "base/utf16.h"
#include "integration/com/call_security_probe.h"

namespace guise::com::testing {
namespace {

std::mutex g_creator_mu;
std::string g_creator = "none";

void record_creator() {
  RPC_AUTHZ_HANDLE privs = nullptr;
  const HRESULT hr = CoQueryClientBlanket(nullptr, nullptr, nullptr, nullptr, nullptr, &privs, nullptr);
  std::string name = FAILED(hr) ? "error" : privs == nullptr ? "null" : utf16_to_utf8(static_cast<const OLECHAR*>(privs));
  std::lock_guard lock(g_creator_mu);
  g_creator = std::move(name);
}

class ProbeFactory final : public IClassFactory {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_IClassFactory) {
      *ppv = static_cast<IClassFactory*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return refs_.fetch_add(1) + 1; }
  ULONG STDMETHODCALLTYPE Release() override {
    const ULONG left = refs_.fetch_sub(1) - 1;
    if (left == 0) delete this;
    return left;
  }
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (outer != nullptr) return CLASS_E_NOAGGREGATION;
    record_creator();
    auto* probe = new SecurityProbe();
    const HRESULT hr = probe->QueryInterface(riid, ppv);
    probe->Release();
    return hr;
  }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL) override { return S_OK; }

 private:
  ~ProbeFactory() = default;
  std::atomic<ULONG> refs_{1};
};

}  // namespace

IClassFactory* new_probe_factory() { return new ProbeFactory(); }

std::string last_creator() {
  std::lock_guard lock(g_creator_mu);
  return g_creator;
}

}  // namespace guise::com::testing
