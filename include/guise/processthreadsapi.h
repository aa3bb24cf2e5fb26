// processthreadsapi.h: the identifiers of the calling thread and process.
//
// GetCurrentThreadId is the kernel's thread id (gettid): unique among live threads of the system,
// stable for the thread's life, never 0, the same number /proc/self/task/<tid> and tools show. It is
// what COM reports as an apartment's owning thread. Thread-safe.
#pragma once

#include "guise/wtypes.h"

extern "C" {
DWORD WINAPI GetCurrentThreadId(void);
DWORD WINAPI GetCurrentProcessId(void);
}
