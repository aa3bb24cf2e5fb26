// guise-callsec-client: the client side of the call-security tests, usually run as another uid.
//
//   guise-callsec-client <objref hex> [--init <authn level> <imp level> <capabilities>]
// Unmarshals the server's ISecurityProbe and prints "ready", then obeys stdin, one line each:
//   blanket <authn svc> <authn level> <imp level> <capabilities>  → "blanket hr=<hex>" (CoSetProxyBlanket)
//   query                                    → "query hr= svc= authz= level= imp= caps=" (CoQueryProxyBlanket)
//   run <script>                             → "run hr=<hex> <transcript>"
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "guise/objbase.h"
#include "integration/com/call_security_probe.h"
#include "integration/com/objref_text.h"

using namespace guise::com::testing;

namespace {
void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}
std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(hr));
  return text;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) return 1;
  if (argc == 6 && std::string(argv[2]) == "--init") {
    const HRESULT hr = CoInitializeSecurity(nullptr, -1, nullptr, nullptr, static_cast<DWORD>(std::stoul(argv[3])),
                                            static_cast<DWORD>(std::stoul(argv[4])), nullptr,
                                            static_cast<DWORD>(std::stoul(argv[5], nullptr, 0)), nullptr);
    say("init hr=" + hex(hr));
  }
  ISecurityProbe* probe = nullptr;
  const HRESULT unmarshaled = unmarshal_from_hex(argv[1], IID_ISecurityProbe, reinterpret_cast<void**>(&probe));
  if (FAILED(unmarshaled)) {
    say("unmarshal hr=" + hex(unmarshaled));
    return 3;
  }
  say("ready");
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.rfind("blanket ", 0) == 0) {
      std::istringstream in(line.substr(8));
      std::string w[4];
      in >> w[0] >> w[1] >> w[2] >> w[3];
      unsigned long svc = 0, level = 0, imp = 0, caps = 0;
      try {
        svc = std::stoul(w[0], nullptr, 0);
        level = std::stoul(w[1], nullptr, 0);
        imp = std::stoul(w[2], nullptr, 0);
        caps = std::stoul(w[3], nullptr, 0);
      } catch (const std::exception&) {
        say("blanket bad-usage");
        continue;
      }
      say("blanket hr=" + hex(CoSetProxyBlanket(probe, static_cast<DWORD>(svc), RPC_C_AUTHZ_DEFAULT,
                                                COLE_DEFAULT_PRINCIPAL, static_cast<DWORD>(level),
                                                static_cast<DWORD>(imp), COLE_DEFAULT_AUTHINFO,
                                                static_cast<DWORD>(caps))));
    } else if (line == "query") {
      DWORD svc = 99, authz = 99, level = 99, imp = 99, caps = 99;
      OLECHAR* princ = nullptr;
      const HRESULT hr = CoQueryProxyBlanket(probe, &svc, &authz, &princ, &level, &imp, nullptr, &caps);
      CoTaskMemFree(princ);
      say("query hr=" + hex(hr) + " svc=" + std::to_string(svc) + " authz=" + std::to_string(authz) +
          " level=" + std::to_string(level) + " imp=" + std::to_string(imp) + " caps=" + std::to_string(caps));
    } else if (line.rfind("run ", 0) == 0) {
      char* transcript = nullptr;
      const HRESULT hr = probe->Run(line.c_str() + 4, &transcript);
      say("run hr=" + hex(hr) + " " + (transcript != nullptr ? transcript : ""));
      CoTaskMemFree(transcript);
    }
  }
  probe->Release();
  CoUninitialize();
  return 0;
}
