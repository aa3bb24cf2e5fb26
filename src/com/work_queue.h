// work_queue.h: the queue of work posted to an apartment, with a descriptor to wait on.
//
// push() appends from any thread; pop() takes the oldest item. wake_fd() is readable exactly while
// the queue holds work (an eventfd kept in step under the queue's mutex), so a waiting thread can poll
// it together with sockets and events. close() refuses further pushes and hands back what was still
// queued, which the caller destroys outside the lock (so captured state's destructors — a call that
// must be faulted, say — run without it). A bound on queued items stops one busy apartment from
// holding unbounded memory for its callers.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "base/event_object.h"
#include "base/status.h"

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
  int wake_fd() const noexcept { return ready_->wait_fd(); }

 private:
  WorkQueue(std::shared_ptr<Event> ready, std::size_t max_items) : ready_(std::move(ready)), max_items_(max_items) {}

  const std::shared_ptr<Event> ready_;  // manual-reset: signaled exactly while items_ is not empty
  const std::size_t max_items_;
  mutable std::mutex mu_;
  std::deque<Work> items_;  // guarded by mu_
  bool closed_ = false;     // guarded by mu_
};

}  // namespace guise::com
