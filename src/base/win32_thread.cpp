// Thread and process identifiers and the per-thread last-error value (processthreadsapi.h,
// errhandlingapi.h).
#include <pthread.h>
#include <unistd.h>

#include "guise/errhandlingapi.h"
#include "guise/processthreadsapi.h"

namespace {
thread_local DWORD t_last_error = 0;
// gettid() is a system call; COM asks for it on every apartment check, so each thread caches it.
// 0 = not read yet. A forked child's only thread is the one that forked: the atfork handler clears
// its stale value.
thread_local DWORD t_thread_id = 0;

void forget_thread_id_in_child() { t_thread_id = 0; }

[[maybe_unused]] const int kAtForkRegistered = ::pthread_atfork(nullptr, nullptr, &forget_thread_id_in_child);
}  // namespace

extern "C" {

DWORD WINAPI GetLastError(void) { return t_last_error; }
void WINAPI SetLastError(DWORD dwErrCode) { t_last_error = dwErrCode; }

DWORD WINAPI GetCurrentThreadId(void) {
  if (t_thread_id == 0) t_thread_id = static_cast<DWORD>(::gettid());
  return t_thread_id;
}

DWORD WINAPI GetCurrentProcessId(void) { return static_cast<DWORD>(::getpid()); }

}  // extern "C"
