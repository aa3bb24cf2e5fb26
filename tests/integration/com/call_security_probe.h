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
//   helpers2          two MTA threads impersonate through this call's context, the first reverts:
//                     "helpers2 imp1= imp2= both1= both2= rev1= isimp1= isimp2= t1= t2= serving= servingimp=
//                     rev2= after2=" (t*, both*: /proc/self/task/<their tid>/status)
//   leavehelper:<p>   an MTA thread impersonates through this call's context, opens <p> and blocks
//                     without reverting until the server's "release": "leavehelper tid= imp= open= isimp= <ids>"
//   blockhelper:<p>   leavehelper with the runtime's revert signal blocked on the helper (the call's
//                     end must abort the server)
//   exithelper        an MTA thread impersonates through this call's context and ends without
//                     reverting: "exithelper imp=<hr> <its ids>"
//   signal, testcancel, waitcancel, later, nosignal, fail:<hex>: an asynchronous call's steps
//                     (async_probe.h; guise-callsec-server --async)
//   gate:<dir>        "gate=go": tells the test it is inside (FIFO <dir>/entered), returns when the
//                     test says so (FIFO <dir>/go, ≤ 30 s; "gate=timeout" then)
#pragma once

#include <string>

#include "callsec.h"
#include "guise/implements.h"

namespace guise::com::testing {

std::string run_probe_script(const std::string& script);
// One step of a script (async_probe.h runs a script step by step).
std::string run_probe_step(const std::string& step);
// Counts one entry of Run (or of an asynchronous Begin_Run) for probe_runs().
void count_probe_run() noexcept;
// Outside any call (the server's stdin commands): the kept IServerSecurity's answers, and the Co*
// answers on a thread in the MTA and on one outside COM.
std::string probe_kept_context();
std::string probe_outside_call();
// Lets the "leavehelper" thread go on (its call is over by then) and waits for it:
// "released open=<p's errno> <its ids> isimp= rev= then=<its ids>".
std::string release_left_helper();
// How many times Run was entered (a refused call never gets here).
long probe_runs() noexcept;
// SecurityProbe objects alive in this process.
long live_probes() noexcept;
// The probe "callout:" steps call (taken over, one reference); CoSetProxyBlanket on it.
HRESULT hold_probe(ISecurityProbe* probe);
HRESULT set_held_blanket(DWORD level, DWORD imp, DWORD capabilities);

class SecurityProbe final : public RuntimeClass<ISecurityProbe> {
 public:
  SecurityProbe();
  HRESULT STDMETHODCALLTYPE Run(const char* script, char** transcript) override;

 private:
  ~SecurityProbe() override = default;
};

}  // namespace guise::com::testing
