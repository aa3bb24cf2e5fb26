// async_probe_proxy.cpp: AsyncISecurityProbe's client half, written by hand (async_probe_proxy.h).
// The wire is ISecurityProbe::Run's (async_proxy.h): Begin_Run sends Run's request — the [in, string]
// script as a [ref] string —, Finish_Run decodes Run's response: the [out] unique string pointer
// (referent id, then the string) and the HRESULT.
#include "integration/com/async_probe_proxy.h"

#include <atomic>
#include <vector>

#include "callsec.h"
#include "ndr/async_proxy.h"
#include "ndr/generated_support.h"

namespace guise::com::testing {
namespace {

constexpr std::uint16_t kRunOpnum = 3;

class AsyncProbeProxy final : public AsyncISecurityProbe {
 public:
  AsyncProbeProxy(IUnknown* outer, ndr::AsyncProxyChannel& channel) : outer_(outer), channel_(channel) {}

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override { return outer_->QueryInterface(riid, ppv); }
  ULONG STDMETHODCALLTYPE AddRef() override { return outer_->AddRef(); }
  ULONG STDMETHODCALLTYPE Release() override { return outer_->Release(); }

  HRESULT STDMETHODCALLTYPE Begin_Run(const char* script) override {
    if (script == nullptr) return ndr::kHresultNullRefPointer;
    ndr::Writer w;
    ndr::put_string(w, script);
    return channel_.begin(IID_ISecurityProbe, kRunOpnum, w.bytes());
  }

  HRESULT STDMETHODCALLTYPE Finish_Run(char** transcript) override {
    if (transcript == nullptr) return ndr::kHresultNullRefPointer;
    *transcript = nullptr;
    std::vector<std::byte> reply;
    const HRESULT hr = channel_.finish(kRunOpnum, reply);
    if (FAILED(hr)) return hr;
    ndr::Reader r(reply, channel_.limits());
    std::uint32_t referent = 0;
    char* text = nullptr;
    std::uint32_t result = 0;
    Status st = r.read_u32(referent);
    if (st.ok() && referent != 0) st = ndr::get_string(r, text);
    if (st.ok()) st = r.align(4);
    if (st.ok()) st = r.read_u32(result);
    if (!st.ok()) {
      CoTaskMemFree(text);
      return HRESULT_FROM_WIN32(1783);  // RPC_X_BAD_STUB_DATA
    }
    *transcript = text;
    return static_cast<HRESULT>(result);
  }

 private:
  IUnknown* outer_;
  ndr::AsyncProxyChannel& channel_;
};

ndr::AsyncProxyPtr create(IUnknown* outer, ndr::AsyncProxyChannel& channel) {
  return ndr::AsyncProxyPtr(new AsyncProbeProxy(outer, channel),
                            ndr::AsyncProxyDeleter{[](IUnknown* p) { delete static_cast<AsyncProbeProxy*>(p); }});
}

}  // namespace

void register_async_probe_proxy() {
  ndr::ProxyStubRegistry::instance().add_async(ndr::AsyncProxyStubEntry{
      "AsyncISecurityProbe", IID_AsyncISecurityProbe, IID_ISecurityProbe, IID_IUnknown, 4, &create, nullptr, nullptr});
}

}  // namespace guise::com::testing
