// async_probe.h: the asynchronous SecurityProbe guise-callsec-server exports with --async (tests only).
//
// AsyncSecurityProbe implements ISecurityProbe and ICallFactory: the runtime processes every Run call
// asynchronously (docs/async.md). CreateCall(IID_AsyncISecurityProbe, control, IID_IUnknown) makes a
// ProbeCall that aggregates the runtime's control object; its Begin_Run runs the script
// (call_security_probe.h) inside Begin_, and Finish_Run returns the transcript. Begin_ signals when the
// script ends unless it signalled already or a step says otherwise. Extra steps (async_probe_step):
//   signal       "signal=<hr>": ISynchronize::Signal on the control object
//   wait | reset "wait=<hr>" | "reset=<hr>": ISynchronize::Wait(0, 0) | ISynchronize::Reset on it
//   testcancel   "testcancel=<hr>": ICancelMethodCalls::TestCancel on it
//   waitcancel   "waitcancel=<hr>": TestCancel until RPC_E_CALL_CANCELED (≤ 20 s, polled every 10 ms)
//   later        Begin_ returns now; the probe's worker thread runs the rest of the script, then
//                signals (the reply leaves then): "later tid=<its kernel tid>"
//   nosignal     nobody signals: the call object is released without Signal
//   fail:<hex>   Begin_ returns this HRESULT at once (no more steps run)
// Outside an asynchronous call these steps answer "<step>=nocall". Thread-safety: the objects are
// reference-counted atomically; a call object's transcript is guarded by its own mutex.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "callsec.h"
#include "guise/implements.h"

namespace guise::com::testing {

class AsyncSecurityProbe final : public RuntimeClass<ISecurityProbe, ICallFactory> {
 public:
  HRESULT STDMETHODCALLTYPE Run(const char* script, char** transcript) override;
  HRESULT STDMETHODCALLTYPE CreateCall(REFIID riid, IUnknown* pCtrlUnk, REFIID riid2, IUnknown** ppv) override;

 private:
  ~AsyncSecurityProbe() override = default;
};

// The step answers above for the calling thread's asynchronous call; nullopt for other steps.
std::optional<std::string> async_probe_step(const std::string& step);
// The transcript of the next "later" run that finished (waits ≤ 20 s): "lastasync <transcript>", or
// "lastasync none".
std::string last_async_transcript();
// Starts the thread "later" steps run on (before any call: a thread created while impersonating would
// start with the caller's kernel ids), and joins it at server exit.
void start_async_probe_worker();
void join_async_probe_threads();


}  // namespace guise::com::testing
