// handleapi.h: closing a HANDLE, with Windows' name, signature and error reporting.
//
// A HANDLE names a kernel object in this process's handle table (an event from CreateEventW; the
// security layer adds tokens). Handle values are never reused while the process lives, so a stale
// handle fails with ERROR_INVALID_HANDLE instead of reaching a newer object. Closing a handle another
// thread is waiting on is safe: the object lives until that wait returns. Handles are process-local:
// they are not inherited across exec and cannot be duplicated into another process.
// Thread-safety: every function may be called from any thread.
#pragma once

#include "guise/wtypes.h"

#define INVALID_HANDLE_VALUE (reinterpret_cast<HANDLE>(static_cast<LONG_PTR>(-1)))

extern "C" {
// Removes hObject from the handle table. TRUE on success; FALSE with GetLastError() ==
// ERROR_INVALID_HANDLE for NULL, INVALID_HANDLE_VALUE, a closed or an unknown handle.
BOOL WINAPI CloseHandle(HANDLE hObject);
}
