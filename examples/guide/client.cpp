// greeter-client: creates a Greeter in the server process and prints its greeting.
#include <cstdio>
#include <string>

#include "greeter.h"  // generated from greeter.idl
#include "guise/objbase.h"

int main() {
  HRESULT hr = CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  if (FAILED(hr)) return 1;
  // Let the server act as this process: the default level, IDENTIFY, only lets it ask who we are.
  hr = CoInitializeSecurity(nullptr, -1, nullptr, nullptr, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                            RPC_C_IMP_LEVEL_IMPERSONATE, nullptr, EOAC_NONE, nullptr);
  IGreeter* greeter = nullptr;
  if (SUCCEEDED(hr)) {
    hr = CoCreateInstance(CLSID_Greeter, nullptr, CLSCTX_LOCAL_SERVER, IID_IGreeter,
                          reinterpret_cast<void**>(&greeter));
  }
  BSTR greeting = nullptr;
  if (SUCCEEDED(hr)) hr = greeter->Greet(&greeting);
  if (SUCCEEDED(hr)) {
    const std::string text(greeting, greeting + SysStringLen(greeting));  // ASCII
    std::printf("greeter-client: %s\n", text.c_str());
  } else {
    std::printf("greeter-client: failed, hr=0x%08X\n", static_cast<unsigned>(hr));
  }
  SysFreeString(greeting);
  if (greeter != nullptr) greeter->Release();
  CoUninitialize();
  return SUCCEEDED(hr) ? 0 : 1;
}
