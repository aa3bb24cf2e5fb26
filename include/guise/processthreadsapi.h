// processthreadsapi.h: the calling thread and process — their identifiers, pseudo-handles and
// access tokens.
//
// GetCurrentThreadId is the kernel's thread id (gettid): unique among live threads of the system,
// stable for the thread's life, never 0, the same number /proc/self/task/<tid> and tools show. It is
// what COM reports as an apartment's owning thread.
//
// GetCurrentThread and GetCurrentProcess return Windows' pseudo-handles ((HANDLE)-2 and (HANDLE)-1),
// which mean "the caller" wherever a thread or process handle is taken and need no closing. The token
// calls accept exactly these: guise has no handles to other threads or processes.
// OpenThreadToken opens the calling thread's impersonation token — the identity it carries while it
// impersonates a COM caller (CoImpersonateClient, IServerSecurity::ImpersonateClient) — and fails with
// ERROR_NO_TOKEN when the thread runs as the process. As on Windows, an anonymous-level token cannot be
// opened (ERROR_CANT_OPEN_ANONYMOUS), and at identify level the open needs OpenAsSelf TRUE (with FALSE
// it would be made as the identify-level caller: ERROR_BAD_IMPERSONATION_LEVEL). OpenProcessToken opens
// the process's primary token. Token handles are closed with CloseHandle; query them with
// GetTokenInformation (securitybaseapi.h). Thread-safe; the token calls act on the calling thread.
#pragma once

#include "guise/wtypes.h"

extern "C" {
DWORD WINAPI GetCurrentThreadId(void);
DWORD WINAPI GetCurrentProcessId(void);
HANDLE WINAPI GetCurrentThread(void);
HANDLE WINAPI GetCurrentProcess(void);

// DesiredAccess: TOKEN_* rights, generic rights or MAXIMUM_ALLOWED (every token right). guise grants
// a thread or process its own token; ACCESS_SYSTEM_SECURITY fails with ERROR_PRIVILEGE_NOT_HELD.
BOOL WINAPI OpenThreadToken(HANDLE ThreadHandle, DWORD DesiredAccess, BOOL OpenAsSelf, PHANDLE TokenHandle);
BOOL WINAPI OpenProcessToken(HANDLE ProcessHandle, DWORD DesiredAccess, PHANDLE TokenHandle);
}
