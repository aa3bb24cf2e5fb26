// greeter-server: a COM local server for CLSID_Greeter. Run it as root: impersonating a caller means
// switching this thread's uid, which needs CAP_SETUID and CAP_SETGID. Ctrl-C or SIGTERM stops it.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <new>
#include <string>

#include "greeter.h"          // generated from greeter.idl
#include "guise/windows.h"    // objbase.h, SDDL, LocalFree

class CGreeter final : public IGreeter {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (riid == IID_IUnknown || riid == IID_IGreeter) {
      *ppv = static_cast<IGreeter*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override {
    const ULONG left = --refs_;
    if (left == 0) delete this;
    return left;
  }

  HRESULT STDMETHODCALLTYPE Greet(BSTR* greeting) override {
    if (greeting == nullptr) return E_POINTER;
    *greeting = nullptr;
    HRESULT hr = CoImpersonateClient();  // this thread's uid, gid and groups become the caller's
    if (FAILED(hr)) return hr;
    const uid_t caller = geteuid();      // asked of the kernel, for this thread
    CoRevertToSelf();                    // back to the server (also automatic when Greet returns)
    const std::string text = "hello, uid " + std::to_string(caller) + " (this server runs as uid " +
                             std::to_string(geteuid()) + ")";
    const std::u16string wide(text.begin(), text.end());  // ASCII: OLECHAR is char16_t
    *greeting = SysAllocString(wide.c_str());
    return *greeting != nullptr ? S_OK : E_OUTOFMEMORY;
  }

 private:
  std::atomic<ULONG> refs_{1};
};

// The class object: one for the process's life, so its reference count is a formality.
class CGreeterFactory final : public IClassFactory {
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
  ULONG STDMETHODCALLTYPE AddRef() override { return 2; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (outer != nullptr) return CLASS_E_NOAGGREGATION;
    CGreeter* greeter = new (std::nothrow) CGreeter;
    if (greeter == nullptr) return E_OUTOFMEMORY;
    const HRESULT hr = greeter->QueryInterface(riid, ppv);
    greeter->Release();
    return hr;
  }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL) override { return S_OK; }
};

int main() {
  // Ctrl-C and SIGTERM: blocked before COM starts its threads, so only sigwait below takes them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (FAILED(hr)) return 1;
  // Who may call: root (SY) and every local user (WD, Everyone), with COM_RIGHTS_EXECUTE (0x1).
  PSECURITY_DESCRIPTOR access = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(u"O:SYG:SYD:(A;;0x1;;;SY)(A;;0x1;;;WD)",
                                                            SDDL_REVISION_1, &access, nullptr)) {
    return 1;
  }
  hr = CoInitializeSecurity(access, -1, nullptr, nullptr, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                            RPC_C_IMP_LEVEL_IDENTIFY, nullptr, EOAC_NONE, nullptr);
  static CGreeterFactory factory;
  DWORD cookie = 0;
  if (SUCCEEDED(hr)) {
    hr = CoRegisterClassObject(CLSID_Greeter, &factory, CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
  }
  if (FAILED(hr)) {
    std::printf("greeter-server: failed, hr=0x%08X\n", static_cast<unsigned>(hr));
    return 1;
  }
  std::printf("greeter-server: ready\n");
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop, &signal_number);
  CoRevokeClassObject(cookie);
  CoUninitialize();
  LocalFree(access);
  return 0;
}
