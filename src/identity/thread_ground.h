// thread_ground.h: holding a thread's process identity across the calls a runtime thread serves one
// after the other, and ending a call scope whose call was handed to another thread — the two ways the
// runtime spares the per-call identity system calls that DESIGN decision 5 does not require (an entry
// read where the ids are already known; a read-back on a thread where only the runtime ran). Every call
// still reads its own thread back when it ends (spec §4 L3). Implemented with the frame stack in
// impersonation.cpp. Thread-safety: act on the calling thread only.
#pragma once

#include <cstdint>

namespace guise::identity {

// A thread's process identity held across a stretch of runtime code that serves calls one after the
// other on a thread with no pool ground of its own — an STA thread's wait in COM (modal_wait.h). An RPC
// pool thread keeps a ProcessIdentityScope for its whole life; this is the same for the length of a
// wait: opened when no scope is open on the thread (otherwise it is inert: the open scopes already
// hold what the thread returns to), it reads the thread's ids and capabilities once (5 syscalls), and
// the call scopes opened inside it start from them instead of reading them again per call. It switches
// nothing. Every call scope inside it still reads the thread back when it ends (spec §4 L3), so a
// thread changed behind guise's back between two calls — by a signal handler, by work run in the wait
// — aborts at the next call's exit, before its reply leaves (where a thread with no scope open takes
// whatever the kernel says as its identity). Its own end restores nothing and reads nothing back (no
// revert, no call: the thread is left as it is, as a thread with no scope is); scopes opened inside it
// and still open stay open, returning to the same ids. Not movable; belongs to the thread that made it.
class [[nodiscard]] ThreadGroundScope {
 public:
  ThreadGroundScope();
  ~ThreadGroundScope();
  ThreadGroundScope(const ThreadGroundScope&) = delete;
  ThreadGroundScope& operator=(const ThreadGroundScope&) = delete;
  // Whether this scope holds the ground (false: another scope was open when it was made).
  bool holds() const noexcept { return frame_id_ != 0; }

 private:
  std::uint64_t frame_id_ = 0;
};

// The runtime's word, on a thread inside a dispatched call's scope (kCallScope), that only its own code
// ran in that scope and the call itself was handed to another thread, which runs it in a call scope of
// its own and reads that thread back when it ends (an STA call the reading thread deferred): the scope's
// end then skips its read-back (3 syscalls). Taken only when the innermost scope is a call scope that
// started at the thread's process identity and nothing opened or switched on the thread since it
// opened; and dropped if anything does before it ends. Otherwise the read-back stays (fail closed).
// Never call it where the call's handler — user code — ran on this thread.
void call_handed_off() noexcept;

}  // namespace guise::identity
