// guise-callsec-client: the client side of the call-security tests, usually run as another uid.
//
//   guise-callsec-client <objref hex> [--init <authn level> <imp level> <capabilities> | --init-bad | --sta]
// (--sta: the main thread, which obeys stdin, enters an STA instead of the MTA)
// Unmarshals the server's ISecurityProbe and prints "ready", then obeys stdin, one line each:
//   blanket <authn svc> <authn level> <imp level> <capabilities>  → "blanket hr=<hex>" (CoSetProxyBlanket)
//   query                                    → "query hr= svc= authz= level= imp= caps=" (CoQueryProxyBlanket)
//   soak <n>                                 → "soaking", then "soaked calls=<n> bad=<k> first=..." (soak())
//   copy                                     → copy_proxy_checks (CoCopyProxy)
//   remqi                                    → "remqi hr=" (QueryInterface that goes to the server)
//   querynull                                → "querynull hr=" (every out parameter NULL)
//   queryoom                                 → "queryoom hr=" (the principal while task memory fails)
//   r48                                      → CoSetProxyBlanket / CoQueryProxyBlanket / CoCopyProxy on
//                                              the proxy's IUnknown, its IClientSecurity, a local object
//   gssblanket <svc> <level> <imp> <principal|-> [<user> <domain> <password>] → "gssblanket hr=" (TCP)
//   queryprinc                               → "queryprinc hr= svc= princ=" (CoQueryProxyBlanket)
//   run <script>                             → "run hr=<hex> <transcript>"
// Asynchronous calls (async_client.h; <n> names a call object, made by CreateCall on first use):
//   acreatechecks                            → "acreatechecks qi= ok= sync= unknown= noagg= aggok= nullppv="
//   abegin <n> <script>                      → "abegin hr="           (AsyncISecurityProbe::Begin_Run)
//   afinish <n>                              → "afinish hr=<hex> <transcript>" (Finish_Run)
//   await <n> <ms> [<flags hex>]             → "await hr="            (ISynchronize::Wait)
//   ahandle <n>                              → "ahandle hr= wait="    (GetHandle, WaitForSingleObject ≤ 30 s)
//   acancel <n> [<s>] | atest <n>            → "acancel hr=" | "atest hr=" (Cancel(s), default 0)
//   acopy <n>                                → "acopy hr=<hex>/<null|set> nullproxy= nullout=" (CopyProxy)
//   ablanket <n> <level> <imp> <caps>        → "ablanket hr=" (the call object's IClientSecurity)
//   aquery <n>                               → "aquery hr= level= imp= caps=" (and the proxy's: "proxy=")
//   arelease <n>                             → "arelease outstanding=<calls begun, not finished>"
//   amany <count> <script>                   → "amany begun=<ok Begin_> finished=<ok Finish_> bad=<k> first="
//   aimp <uid> | arev                        → "aimp hr=" | "arev": this thread impersonates uid (root only)
//   aexport                                  → "aexport <objref hex>" of a new SecurityProbe of this process
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "base/utf16.h"
#include "guise/objbase.h"
#include "guise/sddl.h"
#include "guise/winbase.h"
#include "integration/com/async_client.h"
#include "integration/com/call_security_probe.h"
#include "integration/com/failing_malloc.h"
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

// CoInitializeSecurity argument errors (spec R38, R39): none uses up the one call, so the valid call
// made after them succeeds. "initbad <hr>,<hr>,... notinit=<hr> nogood=<hr>/<entry hr> valid=<hr>".
std::string bad_initialize_security_calls() {
  int marker = 0;
  auto call = [](PSECURITY_DESCRIPTOR sd, LONG count, SOLE_AUTHENTICATION_SERVICE* services, void* reserved1,
                 DWORD level, DWORD imp, DWORD caps, void* reserved3) {
    return CoInitializeSecurity(sd, count, services, reserved1, level, imp, nullptr, caps, reserved3);
  };
  SOLE_AUTHENTICATION_SERVICE winnt{RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, nullptr, E_FAIL};
  PSECURITY_DESCRIPTOR no_owner = nullptr, with_sacl = nullptr, no_execute = nullptr, mixed = nullptr, good = nullptr;
  ConvertStringSecurityDescriptorToSecurityDescriptorW(u"O:SYG:SYD:(A;;0x3;;;WD)", SDDL_REVISION_1, &good, nullptr);
  ConvertStringSecurityDescriptorToSecurityDescriptorW(u"D:(A;;0x3;;;WD)", SDDL_REVISION_1, &no_owner, nullptr);
  ConvertStringSecurityDescriptorToSecurityDescriptorW(u"O:SYG:SYD:(A;;0x3;;;WD)S:(AU;SA;0x1;;;WD)", SDDL_REVISION_1,
                                                       &with_sacl, nullptr);
  ConvertStringSecurityDescriptorToSecurityDescriptorW(u"O:SYG:SYD:(A;;0x2;;;WD)", SDDL_REVISION_1, &no_execute, nullptr);
  ConvertStringSecurityDescriptorToSecurityDescriptorW(u"O:SYG:SYD:(A;;0x1;;;WD)(A;;0x3;;;BA)", SDDL_REVISION_1, &mixed,
                                                       nullptr);
  const DWORD c = RPC_C_AUTHN_LEVEL_CONNECT, i = RPC_C_IMP_LEVEL_IDENTIFY;
  const HRESULT results[] = {
      call(nullptr, -1, nullptr, &marker, c, i, EOAC_NONE, nullptr),                       // pReserved1
      call(nullptr, -1, nullptr, nullptr, c, i, EOAC_NONE, &marker),                       // pReserved3
      call(nullptr, -1, &winnt, nullptr, c, i, EOAC_NONE, nullptr),                        // -1 with a list
      call(nullptr, -1, nullptr, nullptr, c, RPC_C_IMP_LEVEL_DEFAULT, EOAC_NONE, nullptr),  // imp DEFAULT
      call(no_owner, -1, nullptr, nullptr, c, i, EOAC_APPID | EOAC_ACCESS_CONTROL, nullptr),
      call(nullptr, -1, nullptr, nullptr, c, i, EOAC_ACCESS_CONTROL, nullptr),              // no IAccessControl
      call(nullptr, -1, nullptr, nullptr, c, i, EOAC_STATIC_CLOAKING | EOAC_DYNAMIC_CLOAKING, nullptr),
      call(nullptr, -1, nullptr, nullptr, RPC_C_AUTHN_LEVEL_NONE, i, EOAC_SECURE_REFS, nullptr),
      call(good, -1, nullptr, nullptr, RPC_C_AUTHN_LEVEL_NONE, i, EOAC_NONE, nullptr),      // descriptor at NONE
      call(nullptr, -1, nullptr, nullptr, c, i, EOAC_DEFAULT, nullptr),
      call(no_owner, -1, nullptr, nullptr, c, i, EOAC_NONE, nullptr),                       // no owner/group
      call(with_sacl, -1, nullptr, nullptr, c, i, EOAC_NONE, nullptr),                      // a SACL
      call(no_execute, -1, nullptr, nullptr, c, i, EOAC_NONE, nullptr),                     // ACE without EXECUTE
      call(mixed, -1, nullptr, nullptr, c, i, EOAC_NONE, nullptr),                          // old and new ACEs
  };
  std::string out = "initbad";
  for (HRESULT hr : results) out += (out.size() == 7 ? " " : ",") + hex(hr);
  out += " appid=" + hex(call(nullptr, -1, nullptr, nullptr, c, i, EOAC_APPID, nullptr));
  HRESULT not_initialized = S_OK;
  std::thread([&] { not_initialized = call(nullptr, -1, nullptr, nullptr, c, i, EOAC_NONE, nullptr); }).join();
  out += " notinit=" + hex(not_initialized);
  SOLE_AUTHENTICATION_SERVICE schannel{RPC_C_AUTHN_GSS_SCHANNEL, RPC_C_AUTHZ_NONE, nullptr, S_OK};
  const HRESULT no_good = call(nullptr, 1, &schannel, nullptr, c, i, EOAC_NONE, nullptr);
  out += " nogood=" + hex(no_good) + "/" + hex(schannel.hr);
  // A NULL descriptor admits everyone; the one real call.
  out += " valid=" + hex(call(nullptr, -1, nullptr, nullptr, c, RPC_C_IMP_LEVEL_IMPERSONATE, EOAC_NONE, nullptr));
  out += " again=" + hex(call(nullptr, -1, nullptr, nullptr, c, i, EOAC_NONE, nullptr));
  for (PSECURITY_DESCRIPTOR sd : {no_owner, with_sacl, no_execute, mixed, good}) LocalFree(sd);
  return out;
}

// `calls` calls mixing, deterministically, an impersonation that is reverted, one that is forgotten, one
// that throws, and a plain status: every call must start as the server process and see only this
// process's uid. "soaked calls=<n> bad=<k> first=<first unexpected answer>".
std::string soak(ISecurityProbe* probe, long calls) {
  const std::string me = std::to_string(::geteuid());
  const std::string root = "uid=0 0 0 0 gid=0 0 0 0 groups= imp=0";
  const std::string as_me = "uid=0 " + me + " 0 " + me + " gid=0 " + me + " 0 " + me + " groups= imp=1";
  struct Case {
    const char* script;
    std::string expected;
  };
  const Case cases[] = {
      {"status;imp;status;rev;status", "hr=00000000 " + root + "; imp=00000000; " + as_me + "; rev=00000000; " + root},
      {"status;imp;status", "hr=00000000 " + root + "; imp=00000000; " + as_me},
      {"imp;throw", "hr=80010105 "},
      {"status", "hr=00000000 " + root},
  };
  say("soaking");
  long bad = 0;
  std::string first;
  std::uint32_t state = 0x9e3779b9u ^ static_cast<std::uint32_t>(::getpid());
  for (long i = 0; i < calls; ++i) {
    state = state * 1664525u + 1013904223u;
    const Case& c = cases[(state >> 16) % 4];
    char* transcript = nullptr;
    const HRESULT hr = probe->Run(c.script, &transcript);
    const std::string answer = "hr=" + hex(hr) + " " + (transcript != nullptr ? transcript : "");
    CoTaskMemFree(transcript);
    if (answer != c.expected) {
      if (bad++ == 0) first = answer + " (expected " + c.expected + ")";
    }
  }
  return "soaked calls=" + std::to_string(calls) + " bad=" + std::to_string(bad) + " first=" + first;
}

// CopyProxy (spec R49): the copy starts at the default blanket, blankets stay apart, QueryInterface on
// the copy gives the original. "copy hr= ..." with the level each side reports and the server saw.
std::string copy_proxy_checks(ISecurityProbe* original) {
  auto level_of = [](IUnknown* proxy) {
    DWORD level = 0, imp = 0;
    CoQueryProxyBlanket(proxy, nullptr, nullptr, nullptr, &level, &imp, nullptr, nullptr);
    return std::to_string(level) + "/" + std::to_string(imp);
  };
  auto server_level = [](ISecurityProbe* proxy) {
    char* transcript = nullptr;
    const HRESULT hr = proxy->Run("blanket", &transcript);
    std::string text = transcript != nullptr ? transcript : "";
    CoTaskMemFree(transcript);
    const std::size_t at = text.find("level=");
    return FAILED(hr) || at == std::string::npos ? hex(hr) : text.substr(at + 6, 1);
  };
  CoSetProxyBlanket(original, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, nullptr, RPC_C_AUTHN_LEVEL_PKT,
                    RPC_C_IMP_LEVEL_IMPERSONATE, nullptr, EOAC_NONE);
  IUnknown* copy = nullptr;
  const HRESULT hr = CoCopyProxy(original, &copy);
  if (FAILED(hr)) return "copy hr=" + hex(hr);
  std::string out = "copy hr=" + hex(hr) + " fresh=" + level_of(copy);
  CoSetProxyBlanket(copy, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, nullptr, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                    RPC_C_IMP_LEVEL_IDENTIFY, nullptr, EOAC_NONE);
  out += " copy=" + level_of(copy) + " original=" + level_of(original);
  out += " servercopy=" + server_level(static_cast<ISecurityProbe*>(static_cast<void*>(copy))) +
         " serveroriginal=" + server_level(original);
  IUnknown* again = nullptr;
  copy->QueryInterface(IID_ISecurityProbe, reinterpret_cast<void**>(&again));
  out += std::string(" qi=") + (again == static_cast<IUnknown*>(original) ? "original" : "other");
  if (again != nullptr) again->Release();
  IUnknown* unknown = nullptr;
  original->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(&unknown));
  IUnknown* copy_of_unknown = reinterpret_cast<IUnknown*>(0x1);
  const HRESULT copied_unknown = CoCopyProxy(unknown, &copy_of_unknown);
  out += " unknown=" + hex(copied_unknown) + (copy_of_unknown == nullptr ? "/null" : "/set");
  if (unknown != nullptr) unknown->Release();
  copy->Release();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const bool sta = argc == 3 && std::string(argv[2]) == "--sta";
  if (FAILED(CoInitializeEx(nullptr, sta ? COINIT_APARTMENTTHREADED : COINIT_MULTITHREADED))) return 1;
  if (argc == 3 && std::string(argv[2]) == "--init-bad") say(bad_initialize_security_calls());
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
  AsyncCalls async_calls(probe);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.rfind("a", 0) == 0 && async_calls.handles(line)) {
      say(async_calls.command(line));
    } else if (line.rfind("blanket ", 0) == 0) {
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
    } else if (line.rfind("gssblanket ", 0) == 0) {
      // gssblanket <authn svc> <authn level> <imp level> <principal|-> [<user> <domain> <password>]:
      // CoSetProxyBlanket over TCP with a server principal ('-': COLE_DEFAULT_PRINCIPAL) and, with
      // three more words, explicit credentials (SEC_WINNT_AUTH_IDENTITY_W).
      std::istringstream in(line.substr(11));
      std::string svc, level, imp, principal, user, domain, password;
      in >> svc >> level >> imp >> principal >> user >> domain >> password;
      std::u16string principal16 = guise::utf8_to_utf16(principal);
      std::u16string user16 = guise::utf8_to_utf16(user), domain16 = guise::utf8_to_utf16(domain),
                     password16 = guise::utf8_to_utf16(password);
      SEC_WINNT_AUTH_IDENTITY_W identity{};
      identity.User = reinterpret_cast<USHORT*>(user16.data());
      identity.UserLength = static_cast<ULONG>(user16.size());
      identity.Domain = reinterpret_cast<USHORT*>(domain16.data());
      identity.DomainLength = static_cast<ULONG>(domain16.size());
      identity.Password = reinterpret_cast<USHORT*>(password16.data());
      identity.PasswordLength = static_cast<ULONG>(password16.size());
      identity.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
      say("gssblanket hr=" +
          hex(CoSetProxyBlanket(probe, static_cast<DWORD>(std::stoul(svc)), RPC_C_AUTHZ_NONE,
                                principal == "-" ? COLE_DEFAULT_PRINCIPAL : principal16.data(),
                                static_cast<DWORD>(std::stoul(level)), static_cast<DWORD>(std::stoul(imp)),
                                password.empty() ? COLE_DEFAULT_AUTHINFO : &identity, EOAC_NONE)));
    } else if (line == "queryprinc") {
      DWORD svc = 99;
      OLECHAR* princ = nullptr;
      const HRESULT hr = CoQueryProxyBlanket(probe, &svc, nullptr, &princ, nullptr, nullptr, nullptr, nullptr);
      say("queryprinc hr=" + hex(hr) + " svc=" + std::to_string(svc) +
          " princ=" + (princ != nullptr ? guise::utf16_to_utf8(princ) : std::string("null")));
      CoTaskMemFree(princ);
    } else if (line == "query") {
      DWORD svc = 99, authz = 99, level = 99, imp = 99, caps = 99;
      OLECHAR* princ = nullptr;
      const HRESULT hr = CoQueryProxyBlanket(probe, &svc, &authz, &princ, &level, &imp, nullptr, &caps);
      CoTaskMemFree(princ);
      say("query hr=" + hex(hr) + " svc=" + std::to_string(svc) + " authz=" + std::to_string(authz) +
          " level=" + std::to_string(level) + " imp=" + std::to_string(imp) + " caps=" + std::to_string(caps));
    } else if (line.rfind("soak ", 0) == 0) {
      say(soak(probe, std::stol(line.substr(5))));
    } else if (line == "copy") {
      say(copy_proxy_checks(probe));
    } else if (line == "remqi") {
      // An interface this proxy does not hold yet: asked of the server (IRemUnknown::RemQueryInterface).
      IUnknown* factory = nullptr;
      const HRESULT hr = probe->QueryInterface(IID_IClassFactory, reinterpret_cast<void**>(&factory));
      if (factory != nullptr) factory->Release();
      say("remqi hr=" + hex(hr));
    } else if (line == "queryoom") {
      HRESULT hr = E_UNEXPECTED;
      {
        FailingMalloc out_of_memory;
        OLECHAR* princ = nullptr;
        hr = CoQueryProxyBlanket(probe, nullptr, nullptr, &princ, nullptr, nullptr, nullptr, nullptr);
        CoTaskMemFree(princ);
      }
      say("queryoom hr=" + hex(hr));
    } else if (line == "querynull") {
      say("querynull hr=" + hex(CoQueryProxyBlanket(probe, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr)));
    } else if (line == "r48") {
      // The proxy's IUnknown is accepted; its local IClientSecurity is not an interface proxy; an object
      // of this process is no proxy at all.
      IUnknown* unknown = nullptr;
      IClientSecurity* security = nullptr;
      probe->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(&unknown));
      const HRESULT qi = probe->QueryInterface(IID_IClientSecurity, reinterpret_cast<void**>(&security));
      const HRESULT on_unknown = CoSetProxyBlanket(unknown, RPC_C_AUTHN_DEFAULT, RPC_C_AUTHZ_DEFAULT,
                                                   COLE_DEFAULT_PRINCIPAL, RPC_C_AUTHN_LEVEL_DEFAULT,
                                                   RPC_C_IMP_LEVEL_DEFAULT, COLE_DEFAULT_AUTHINFO, EOAC_DEFAULT);
      const HRESULT on_security = security == nullptr ? E_FAIL
                                                      : CoQueryProxyBlanket(security, nullptr, nullptr, nullptr, nullptr,
                                                                            nullptr, nullptr, nullptr);
      auto* local = new SecurityProbe();
      const HRESULT on_local = CoSetProxyBlanket(local, RPC_C_AUTHN_DEFAULT, RPC_C_AUTHZ_DEFAULT, COLE_DEFAULT_PRINCIPAL,
                                                 RPC_C_AUTHN_LEVEL_DEFAULT, RPC_C_IMP_LEVEL_DEFAULT,
                                                 COLE_DEFAULT_AUTHINFO, EOAC_DEFAULT);
      IUnknown* copy = nullptr;
      const HRESULT copy_local = CoCopyProxy(local, &copy);
      local->Release();
      if (security != nullptr) security->Release();
      if (unknown != nullptr) unknown->Release();
      say("r48 qi=" + hex(qi) + " unknown=" + hex(on_unknown) + " security=" + hex(on_security) +
          " local=" + hex(on_local) + " copylocal=" + hex(copy_local));
    } else if (line.rfind("run ", 0) == 0) {
      char* transcript = nullptr;
      const HRESULT hr = probe->Run(line.c_str() + 4, &transcript);
      say("run hr=" + hex(hr) + " " + (transcript != nullptr ? transcript : ""));
      CoTaskMemFree(transcript);
    }
  }
  async_calls.clear();
  probe->Release();
  CoUninitialize();
  return 0;
}
