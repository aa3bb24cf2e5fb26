// synchapi.h: events and waits, the Win32 synchronisation COM code waits on.
//
// CreateEventW makes a manual- or auto-reset event behind a HANDLE (close it with CloseHandle,
// handleapi.h). WaitForSingleObject and WaitForMultipleObjects block the calling thread until the
// objects are signaled or the timeout passes, with Windows' return values:
//   WAIT_OBJECT_0 + i   the object at index i satisfied the wait (the lowest signaled index when
//                       bWaitAll is FALSE; all of them, acquired atomically, when it is TRUE);
//   WAIT_TIMEOUT        dwMilliseconds passed first (0 tests without blocking; INFINITE never times out);
//   WAIT_FAILED         bad arguments; GetLastError() says which (ERROR_INVALID_HANDLE,
//                       ERROR_INVALID_PARAMETER).
// A waiter that is satisfied by an auto-reset event resets it: one SetEvent releases exactly one wait.
// A manual-reset event stays signaled, releasing every waiter, until ResetEvent.
//
// What differs from Windows: events are process-local and unnamed (a non-NULL lpName fails with
// ERROR_NOT_SUPPORTED), lpEventAttributes is accepted and ignored, and waits are not alertable (no APCs).
// Each event holds one eventfd, so the number of events is bounded by RLIMIT_NOFILE
// (ERROR_TOO_MANY_OPEN_FILES). Thread-safety: every function may be called from any thread; an event
// may be set, reset and waited on concurrently from many threads.
#pragma once

#include "guise/minwinbase.h"
#include "guise/winerror.h"
#include "guise/wtypes.h"

#define INFINITE 0xFFFFFFFFu
#define MAXIMUM_WAIT_OBJECTS 64
#define WAIT_OBJECT_0 0x00000000u
#define WAIT_ABANDONED 0x00000080u
#define WAIT_ABANDONED_0 0x00000080u
#define WAIT_IO_COMPLETION 0x000000C0u
#define WAIT_FAILED 0xFFFFFFFFu

extern "C" {
// A new event, signaled if bInitialState; NULL on failure (GetLastError says why).
HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset, BOOL bInitialState,
                           LPCWSTR lpName);
// Signals the event: a manual-reset event releases every waiter, an auto-reset one exactly one.
BOOL WINAPI SetEvent(HANDLE hEvent);
// Puts the event back to non-signaled.
BOOL WINAPI ResetEvent(HANDLE hEvent);
DWORD WINAPI WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds);
// nCount handles (1..MAXIMUM_WAIT_OBJECTS); with bWaitAll a handle may appear only once.
DWORD WINAPI WaitForMultipleObjects(DWORD nCount, const HANDLE* lpHandles, BOOL bWaitAll, DWORD dwMilliseconds);
}

// guise's text is UTF-16 (OLECHAR is WCHAR), so the generic name is the W function, as under UNICODE.
#define CreateEvent CreateEventW
