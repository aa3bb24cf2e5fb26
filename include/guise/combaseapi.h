// combaseapi.h: joining COM (apartments) and waiting in it, with Windows' names, values and rules.
//
// A thread calls CoInitializeEx before using COM and CoUninitialize when done, once per successful
// CoInitialize(Ex) (the calls nest: the thread leaves its apartment at the last CoUninitialize).
//   COINIT_APARTMENTTHREADED  the thread gets its own single-threaded apartment (STA): calls to objects
//                             it creates arrive on this thread, queued, and run while the thread waits
//                             in COM (CoWaitForMultipleHandles, or an outgoing call);
//   COINIT_MULTITHREADED      the thread joins the process's multithreaded apartment (MTA): calls to
//                             its objects run on the RPC server's threads.
// Returns: S_OK (joined), S_FALSE (already in an apartment of that kind: the count goes up),
// RPC_E_CHANGED_MODE (already in the other kind: nothing changes), E_INVALIDARG (pvReserved not NULL,
// unknown flags). COM calls on a thread that has not joined an apartment fail with CO_E_NOTINITIALIZED.
//
// CoWaitForMultipleHandles waits like WaitForMultipleObjects (synchapi.h) and, in an STA, runs the
// apartment's queued work (incoming calls) meanwhile, so an STA thread blocked here still serves its
// objects. Returns S_OK with *lpdwindex = the signaled handle's index (0 with COWAIT_WAITALL),
// RPC_S_CALLPENDING when dwTimeout passed, RPC_E_NO_SYNC for no handles, E_INVALIDARG for NULL pointers,
// unknown flags or more than MAXIMUM_WAIT_OBJECTS handles, E_HANDLE for a handle that is not an event.
// In the MTA, or on a thread outside COM, it is a plain wait. COWAIT_ALERTABLE and COWAIT_INPUTAVAILABLE
// are accepted and change nothing (guise has no APCs and no window messages); in an STA incoming calls
// are always dispatched, whatever COWAIT_DISPATCH_CALLS says.
// Thread-safety: every function acts on the calling thread and may be called from any thread.
#pragma once

#include "guise/objidl.h"
#include "guise/rpcdce.h"
#include "guise/winerror.h"
#include "guise/winnt.h"
#include "guise/wtypes.h"

enum tagCOINIT {
  COINIT_MULTITHREADED = 0x0,
  COINIT_APARTMENTTHREADED = 0x2,
  COINIT_DISABLE_OLE1DDE = 0x4,
  COINIT_SPEED_OVER_MEMORY = 0x8,
};
using COINIT = tagCOINIT;

enum tagCOWAIT_FLAGS {
  COWAIT_DEFAULT = 0,
  COWAIT_WAITALL = 1,
  COWAIT_ALERTABLE = 2,
  COWAIT_INPUTAVAILABLE = 4,
  COWAIT_DISPATCH_CALLS = 8,
  COWAIT_DISPATCH_WINDOW_MESSAGES = 0x10,
};
using COWAIT_FLAGS = tagCOWAIT_FLAGS;

extern "C" {
// CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED).
HRESULT STDAPICALLTYPE CoInitialize(LPVOID pvReserved);
HRESULT STDAPICALLTYPE CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit);
// Undoes one successful CoInitialize(Ex); the last one leaves the apartment (an STA closes: work still
// queued to it is dropped). Does nothing on a thread that is not in COM.
void STDAPICALLTYPE CoUninitialize(void);
HRESULT STDAPICALLTYPE CoWaitForMultipleHandles(DWORD dwFlags, DWORD dwTimeout, ULONG cHandles, LPHANDLE pHandles,
                                                LPDWORD lpdwindex);
}

// --- call security (docs/call-security.md; spec/com-call-security.md R1–R49) --------------------------
// Server side, inside an incoming call: CoGetCallContext gives the call's context object (IUnknown,
// IServerSecurity) with a new reference; outside a call every one of these returns RPC_E_CALL_COMPLETE.
// CoImpersonateClient / CoRevertToSelf / CoQueryClientBlanket are CoGetCallContext(IID_IServerSecurity)
// + the method + Release. CoSwitchCallContext installs another context (or none) on the calling
// thread without touching reference counts and returns the previous one in *ppOldObject.
// Thread-safety: each acts on the calling thread.
#define COLE_DEFAULT_PRINCIPAL (reinterpret_cast<OLECHAR*>(static_cast<INT_PTR>(-1)))
#define COLE_DEFAULT_AUTHINFO (reinterpret_cast<void*>(static_cast<INT_PTR>(-1)))

// Rights in the access descriptor of CoInitializeSecurity (ACE masks).
#define COM_RIGHTS_EXECUTE 1
#define COM_RIGHTS_EXECUTE_LOCAL 2
#define COM_RIGHTS_EXECUTE_REMOTE 4
#define COM_RIGHTS_ACTIVATE_LOCAL 8
#define COM_RIGHTS_ACTIVATE_REMOTE 16

extern "C" {
HRESULT STDAPICALLTYPE CoGetCallContext(REFIID riid, void** ppInterface);
HRESULT STDAPICALLTYPE CoSwitchCallContext(IUnknown* pNewObject, IUnknown** ppOldObject);
HRESULT STDAPICALLTYPE CoImpersonateClient(void);
HRESULT STDAPICALLTYPE CoRevertToSelf(void);
HRESULT STDAPICALLTYPE CoQueryClientBlanket(DWORD* pAuthnSvc, DWORD* pAuthzSvc, LPOLESTR* pServerPrincName,
                                            DWORD* pAuthnLevel, DWORD* pImpLevel, RPC_AUTHZ_HANDLE* pPrivs,
                                            DWORD* pCapabilities);

// The process's security policy, once (S_OK; RPC_E_TOO_LATE after a first success or after the first
// interface was marshaled or unmarshaled). pSecDesc (absolute or self-relative, copied) is checked
// against every incoming call: callers it does not grant COM_RIGHTS_EXECUTE (and EXECUTE_LOCAL /
// EXECUTE_REMOTE in new-format ACLs) get E_ACCESSDENIED. Never called: CONNECT, IDENTIFY, no
// cloaking, and only root and the process's own uid get in. Argument errors: E_INVALIDARG.
HRESULT STDAPICALLTYPE CoInitializeSecurity(PSECURITY_DESCRIPTOR pSecDesc, LONG cAuthSvc,
                                            SOLE_AUTHENTICATION_SERVICE* asAuthSvc, void* pReserved1,
                                            DWORD dwAuthnLevel, DWORD dwImpLevel, void* pAuthList,
                                            DWORD dwCapabilities, void* pReserved3);

// Client side: the blanket of one interface proxy (QueryInterface for IClientSecurity + the method).
HRESULT STDAPICALLTYPE CoQueryProxyBlanket(IUnknown* pProxy, DWORD* pwAuthnSvc, DWORD* pAuthzSvc,
                                           LPOLESTR* pServerPrincName, DWORD* pAuthnLevel, DWORD* pImpLevel,
                                           RPC_AUTH_IDENTITY_HANDLE* pAuthInfo, DWORD* pCapabilites);
HRESULT STDAPICALLTYPE CoSetProxyBlanket(IUnknown* pProxy, DWORD dwAuthnSvc, DWORD dwAuthzSvc,
                                         OLECHAR* pServerPrincName, DWORD dwAuthnLevel, DWORD dwImpLevel,
                                         RPC_AUTH_IDENTITY_HANDLE pAuthInfo, DWORD dwCapabilities);
HRESULT STDAPICALLTYPE CoCopyProxy(IUnknown* pProxy, IUnknown** ppCopy);
}
