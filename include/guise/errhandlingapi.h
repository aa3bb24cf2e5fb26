// errhandlingapi.h: the calling thread's last-error code, as Win32 functions report failures.
//
// Functions from handleapi.h, synchapi.h and processthreadsapi.h that fail set the calling thread's
// last-error value (ERROR_INVALID_HANDLE, ERROR_INVALID_PARAMETER, ...; winerror.h); a successful call
// may leave it unchanged, as on Windows. The value is per thread, so reading it is race-free.
#pragma once

#include "guise/wtypes.h"

extern "C" {
// The calling thread's last-error value (0 on a new thread).
DWORD WINAPI GetLastError(void);
// Sets the calling thread's last-error value.
void WINAPI SetLastError(DWORD dwErrCode);
}
