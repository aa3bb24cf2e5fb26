// Calls IGreeter through its generated proxy; the "channel" hands the request straight to the
// generated stub of a local object, so the call crosses NDR both ways.
#include <cstdio>
#include <cstring>
#include <string>

#include "greeter.h"

namespace {

class Greeter final : public IGreeter {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return 1; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE Greet(const WCHAR* name, const COMVERSION* version, WCHAR** greeting) override {
    std::u16string text = u"Hello, " + std::u16string(name) + u"! (version " +
                          static_cast<char16_t>(u'0' + version->MajorVersion) + u"." +
                          static_cast<char16_t>(u'0' + version->MinorVersion) + u")";
    *greeting = static_cast<WCHAR*>(CoTaskMemAlloc((text.size() + 1) * sizeof(WCHAR)));
    std::memcpy(*greeting, text.c_str(), (text.size() + 1) * sizeof(WCHAR));
    return S_OK;
  }
};

class Loopback final : public guise::ndr::ProxyChannel {
 public:
  explicit Loopback(IUnknown* object) : object_(object) {}
  guise::Result<std::vector<std::byte>> invoke(const IID& iid, std::uint16_t opnum,
                                               std::span<const std::byte> in) override {
    const auto* entry = guise::ndr::ProxyStubRegistry::instance().find(iid);
    if (entry == nullptr) return guise::not_found("no stub");
    guise::ndr::Writer out;
    guise::ndr::CallContext ctx;
    GUISE_RETURN_IF_ERROR(entry->invoke_stub(object_, opnum, in, out, ctx));
    return out.take();
  }

 private:
  IUnknown* object_;
};

}  // namespace

int main() {
  // No registration call: linking greeter_idl links its proxies and stubs, which register themselves.
  Greeter object;
  Loopback channel(&object);
  const auto* entry = guise::ndr::ProxyStubRegistry::instance().find(IID_IGreeter);
  if (entry == nullptr) {
    std::printf("consumer_idl: IGreeter's proxy and stub were not registered by linking greeter_idl\n");
    return 1;
  }
  auto proxy = entry->create_proxy(&object, channel);
  auto* greeter = static_cast<IGreeter*>(proxy.get());
  COMVERSION version{5, 7};
  WCHAR* greeting = nullptr;
  HRESULT hr = greeter->Greet(u"installed guise", &version, &greeting);
  if (FAILED(hr)) {
    std::printf("consumer_idl: call failed 0x%08X\n", static_cast<unsigned>(hr));
    return 1;
  }
  std::string ascii;
  for (const WCHAR* p = greeting; *p != 0; ++p) ascii += static_cast<char>(*p);
  CoTaskMemFree(greeting);
  std::printf("consumer_idl: %s\n", ascii.c_str());
  return 0;
}
