// modal_wait.h: how a thread in COM waits — an STA keeps serving its apartment while it waits.
//
// modal_wait(fds, deadline) returns when one of `fds` is readable (its index) or at the deadline
// (kDeadlineExceeded carrying RPC_S_CALLPENDING). On an STA thread it runs the apartment's posted work
// meanwhile, one item at a time and on this thread: the incoming calls for the STA's objects that
// arrive while it waits for the reply to its own outgoing call (MS-DCOM's reentrancy; the reply is one
// of `fds`, e.g. the connection it was sent on). Work that itself waits nests a modal_wait inside this
// one; the innermost wait returns first. A readable fd wins over queued work, so a reply is never kept
// waiting behind other calls. On an MTA thread, or outside COM, it is a plain poll.
//
// modal_wait_objects is the same loop over Win32 events (CoWaitForMultipleHandles), with
// WaitForMultipleObjects' rules (lowest signaled index; wait_all takes every object atomically).
//
// Identity: the waiting thread keeps its identity while it waits (an STA thread impersonating a caller
// stays so). Each incoming call opens its own identity::ProcessIdentityScope (the dispatcher's job,
// DESIGN decision 5), which starts the call at the process identity and restores the waiting thread's
// identity, impersonation included, when the call ends; this loop neither switches nor assumes identity.
// Thread-safety: acts on the calling thread only.
#pragma once

#include <cstddef>
#include <span>

#include "base/object_wait.h"
#include "base/status.h"

namespace guise::com {

// Errors: kDeadlineExceeded carrying RPC_S_CALLPENDING; kInternal if poll fails.
Result<std::size_t> modal_wait(std::span<const int> fds, WaitDeadline deadline);

// Errors: kDeadlineExceeded carrying RPC_S_CALLPENDING; kInvalidInput for a duplicate with wait_all.
Result<std::size_t> modal_wait_objects(std::span<Waitable* const> objects, bool wait_all, WaitDeadline deadline);

// STA thread: runs the work already posted to its apartment, without waiting; returns how many items
// ran (0 elsewhere). For a thread that wants to serve its apartment between its own tasks.
std::size_t run_posted_work();

}  // namespace guise::com
