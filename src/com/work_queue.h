// work_queue.h: the queue of work posted to an apartment, with a descriptor to wait on.
//
// push() appends from any thread; pop() takes the oldest item. wake_fd() (an eventfd) is readable
// whenever the queue holds work, so a waiting thread can poll it together with sockets and events. It
// may also be readable for a moment with the queue empty: push() rings it after releasing the mutex,
// so a woken consumer never finds the pusher still holding it (on one CPU that was a futex wait, a
// futex wake and two extra thread switches per STA call); pop() clears it under the mutex whenever it
// leaves or finds the queue empty, so a late ring costs one spurious wake, never a lost one (every
// push that makes the queue non-empty rings after any clear that came before it). close() refuses
// further pushes and hands back what was still queued, which the caller destroys outside the lock (so captured state's destructors — a call that
// must be faulted, say — run without it). A bound on queued items stops one busy apartment from
// holding unbounded memory for its callers.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "base/status.h"
#include "base/unique_fd.h"

namespace guise::com {

using Work = std::function<void()>;

class WorkQueue {
 public:
  // Errors: kResourceExhausted when no descriptor is left.
  static Result<std::unique_ptr<WorkQueue>> create(std::size_t max_items);

  // Errors: kUnavailable carrying RPC_E_DISCONNECTED once closed; kResourceExhausted carrying
  // RPC_E_SERVERCALL_RETRYLATER at the bound.
  [[nodiscard]] Status push(Work work);
  std::optional<Work> pop();
  // Refuses further pushes; returns the work that was still queued.
  std::deque<Work> close();
  bool closed() const;
  // Items queued now (diagnostics and tests).
  std::size_t size() const;
  int wake_fd() const noexcept { return ready_.get(); }

 private:
  WorkQueue(UniqueFd ready, std::size_t max_items) : ready_(std::move(ready)), max_items_(max_items) {}
  void ring() const;
  void clear_locked();

  const UniqueFd ready_;  // eventfd, non-blocking: rung by push, cleared by pop (above)
  const std::size_t max_items_;
  mutable std::mutex mu_;
  std::deque<Work> items_;  // guarded by mu_
  bool closed_ = false;     // guarded by mu_
  // Rings announced under mu_ and not yet read back (some may not have reached the counter yet):
  // zero means the counter is zero, so clearing costs nothing. Guarded by mu_.
  std::uint64_t rings_owed_ = 0;
};

}  // namespace guise::com
