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

#include "guise/winerror.h"
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
