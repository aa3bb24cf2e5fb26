// call_security_probe.h: the object guise-callsec-server exports for the call-security tests (tests
// only). ISecurityProbe::Run executes a script inside the incoming call, so a test sees what the
// serving thread's kernel ids and the call-security API say at every step. Steps (';'-separated),
// each answered with one "; "-separated item of the transcript:
//   status            "uid=<r e s fs> gid=<r e s fs> groups=<list> imp=<0|1>" from
//                     /proc/self/task/<tid>/status and IServerSecurity::IsImpersonating
//   imp | ssimp       "imp=<hr>": CoImpersonateClient | IServerSecurity::ImpersonateClient
//   rev               "rev=<hr>": CoRevertToSelf
//   open:<path>       "open=<0 or errno>": open(path, O_RDONLY) on this thread
//   blanket           "qcb=<hr> svc= authz= level= imp= caps= privs=<text|null> princ=<text>"
//   blanketnull       "qcbnull=<hr>": CoQueryClientBlanket with every out parameter NULL
//   blanketoom        "qcboom=<hr> without=<hr>": CoQueryClientBlanket while task memory fails, with and
//                     without pServerPrincName
//   ctx               CoGetCallContext for IUnknown, IServerSecurity, IClassFactory and a NULL ppv
//   keep              keeps the call's IServerSecurity for the server's "kept" command
//   switch            CoSwitchCallContext away and back, with what CoGetCallContext said between
//   helper:<step>     <step> on a new thread in the MTA: "helper[<item>]"
//   foreign:<step>    <step> on a new thread outside COM: "foreign[<item>]"
//   callout:<a,b,..>  runs "a;b;.." on the held probe of another server: "callout[<hr> <transcript>]"
//   create            "create=<hr>": CoCreateInstance of probe_class.h's class (class directory)
//   createat:<binding> "create=<hr>": CoCreateInstanceEx of it at the server the binding names
//   accesscheck:<sddl> ('!' for ';') "accesscheck=granted|denied|notoken(<err>)": OpenThreadToken + AccessCheck(EXECUTE)
//   rogue             setresuid(-1, 41002, -1) behind the runtime's back (the call's end must abort)
//   throw             throws a C++ exception (the call ends with RPC_E_SERVERFAULT)
#pragma once

#include <atomic>
#include <string>

#include "callsec.h"

namespace guise::com::testing {

std::string run_probe_script(const std::string& script);
// Outside any call (the server's stdin commands): the kept IServerSecurity's answers, and the Co*
// answers on a thread in the MTA and on one outside COM.
std::string probe_kept_context();
std::string probe_outside_call();
// How many times Run was entered (a refused call never gets here).
long probe_runs() noexcept;
// SecurityProbe objects alive in this process.
long live_probes() noexcept;
// The probe "callout:" steps call (taken over, one reference); CoSetProxyBlanket on it.
HRESULT hold_probe(ISecurityProbe* probe);
HRESULT set_held_blanket(DWORD level, DWORD imp, DWORD capabilities);

class SecurityProbe final : public ISecurityProbe {
 public:
  SecurityProbe();
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;
  HRESULT STDMETHODCALLTYPE Run(const char* script, char** transcript) override;

 private:
  ~SecurityProbe() = default;
  std::atomic<ULONG> refs_{1};
};

}  // namespace guise::com::testing
