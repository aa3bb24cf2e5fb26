// process_thread.h: start a thread at the process identity, whatever the creating thread carries.
//
// Linux gives a new thread the credentials of the thread that creates it: a thread started by an
// impersonating thread runs as the caller — effective ids, groups and (empty) capability sets — for
// its whole life, and the runtime knows nothing of it (no scope to revert). On Windows a new thread
// starts with the process token instead. start_process_thread gives Windows' behaviour: the new
// thread is created while the creating thread is back at its process identity (ids, groups and
// capabilities, verified against the kernel; if it cannot get there, the process aborts), so it never
// runs a single instruction as the caller. Every thread the guise runtime creates starts this way.
// Use it for threads a method starts while impersonating, unless the new thread is meant to act as
// the caller (then impersonate the token in it explicitly).
// Thread-safety: call from any thread; the returned std::thread is the caller's to join or detach.
#pragma once

#include <thread>
#include <utility>

#include "identity/impersonation.h"

namespace guise::identity {

// std::thread(f, args...), except that the thread is born at the process identity: the calling
// thread returns to its process ids, groups and capabilities for the moment of creation (the kernel
// copies the creator's credentials into the new thread), then takes back what it carried.
template <class F, class... Args>
std::thread start_process_thread(F&& f, Args&&... args) {
  ProcessIdentityScope as_process;
  return std::thread(std::forward<F>(f), std::forward<Args>(args)...);
}

}  // namespace guise::identity
