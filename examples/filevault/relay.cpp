// filevault-relay: a middle server that serves IFileVault to its callers by calling the vault on
// their behalf — each method impersonates its caller and calls the vault while impersonating. What
// the vault then sees is the relay's cloaking (docs/call-security.md "Cloaking"):
//   --cloaking dynamic  each call presents the relay thread's token at that moment: the caller;
//   --cloaking static   the token captured on the vault proxy's first call: the first caller, for
//                       every later caller too (how static cloaking is defined, spec R51);
//   --cloaking none     the relay's own process (root).
//
//   filevault-relay --clsid {GUID} --cloaking dynamic|static|none
//
// Registers its class under --clsid in the class directory, prints "ready", stops on SIGTERM/SIGINT.
// Exit codes: 0 stopped, 1 setup failed, 3 bad arguments. Must run as root to impersonate.
#include <signal.h>

#include <cstdio>
#include <new>
#include <string>

#include "base/utf16.h"
#include "filevault.h"
#include "guise/implements.h"
#include "guise/objbase.h"
#include "guise/sddl.h"
#include "guise/windows.h"
#include "impersonation_scope.h"

namespace {

// The vault proxy every relay object uses (one for the process: static cloaking captures on its first call).
IFileVault* g_vault = nullptr;

class Relay final : public guise::RuntimeClass<IFileVault> {
 public:
  // Each forward: become the caller, call the vault (cloaking decides whom it presents), come back.
  template <typename Call>
  static HRESULT as_caller(Call call) {
    filevault::ImpersonationScope scope;
    if (FAILED(scope.status())) return scope.status();
    return call();
  }
  HRESULT STDMETHODCALLTYPE ReadFile(LPCWSTR name, LPWSTR* contents) override {
    return as_caller([&] { return g_vault->ReadFile(name, contents); });
  }
  HRESULT STDMETHODCALLTYPE WriteFile(LPCWSTR name, LPCWSTR contents) override {
    return as_caller([&] { return g_vault->WriteFile(name, contents); });
  }
  HRESULT STDMETHODCALLTYPE ListFiles(LPWSTR* names) override {
    return as_caller([&] { return g_vault->ListFiles(names); });
  }
  HRESULT STDMETHODCALLTYPE DeleteFile(LPCWSTR name) override {
    return as_caller([&] { return g_vault->DeleteFile(name); });
  }
  HRESULT STDMETHODCALLTYPE WhoAmI(LPWSTR* report) override {
    return as_caller([&] { return g_vault->WhoAmI(report); });
  }
  HRESULT STDMETHODCALLTYPE Stats(DWORD* files, DWORD* bytes) override {
    return as_caller([&] { return g_vault->Stats(files, bytes); });
  }

 private:
  ~Relay() override = default;
};

int fail(const char* what, HRESULT hr) {
  std::fprintf(stderr, "filevault-relay: %s failed: 0x%08x\n", what, static_cast<unsigned>(hr));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string clsid_text, cloaking;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--clsid") clsid_text = argv[i + 1];
    if (arg == "--cloaking") cloaking = argv[i + 1];
  }
  CLSID clsid{};
  const std::u16string wide_clsid = guise::utf8_to_utf16(clsid_text);
  DWORD capabilities = EOAC_NONE;
  if (cloaking == "dynamic") capabilities = EOAC_DYNAMIC_CLOAKING;
  if (cloaking == "static") capabilities = EOAC_STATIC_CLOAKING;
  if (FAILED(CLSIDFromString(wide_clsid.c_str(), &clsid)) ||
      (cloaking != "dynamic" && cloaking != "static" && cloaking != "none")) {
    std::fprintf(stderr, "usage: filevault-relay --clsid {GUID} --cloaking dynamic|static|none\n");
    return 3;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (FAILED(hr)) return fail("CoInitializeEx", hr);
  PSECURITY_DESCRIPTOR access = nullptr;
  // Everyone and anonymous callers may call the relay; the vault decides the rest.
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(u"O:SYG:SYD:(A;;0x1;;;WD)(A;;0x1;;;AN)", SDDL_REVISION_1,
                                                            &access, nullptr)) {
    return fail("ConvertStringSecurityDescriptorToSecurityDescriptorW", HRESULT_FROM_WIN32(GetLastError()));
  }
  // IMPERSONATE: the vault may act as whoever the relay presents.
  hr = CoInitializeSecurity(access, -1, nullptr, nullptr, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_IMP_LEVEL_IMPERSONATE,
                            nullptr, capabilities, nullptr);
  LocalFree(access);
  if (FAILED(hr)) return fail("CoInitializeSecurity", hr);
  hr = CoCreateInstance(CLSID_FileVault, nullptr, CLSCTX_LOCAL_SERVER, IID_IFileVault,
                        reinterpret_cast<void**>(&g_vault));
  if (FAILED(hr)) return fail("CoCreateInstance(CLSID_FileVault)", hr);
  guise::ComPtr<IClassFactory> factory = guise::MakeClassFactory([] { return new (std::nothrow) Relay(); });
  if (!factory) return fail("MakeClassFactory", E_OUTOFMEMORY);
  DWORD cookie = 0;
  hr = CoRegisterClassObject(clsid, factory.Get(), CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
  factory = nullptr;  // the class directory holds its own reference
  if (FAILED(hr)) return fail("CoRegisterClassObject", hr);
  std::printf("ready\n");
  std::fflush(stdout);
  int signal_number = 0;
  (void)sigwait(&stop, &signal_number);
  CoRevokeClassObject(cookie);
  g_vault->Release();
  CoUninitialize();
  return 0;
}
