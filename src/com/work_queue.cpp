// work_queue.cpp: a mutex-guarded deque whose readiness is an eventfd rung outside the mutex.
#include "com/work_queue.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/assert.h"
#include "base/eventfd.h"
#include "guise/winerror.h"

namespace guise::com {

Result<std::unique_ptr<WorkQueue>> WorkQueue::create(std::size_t max_items) {
  GUISE_TRY(UniqueFd ready, make_eventfd());
  return std::unique_ptr<WorkQueue>(new WorkQueue(std::move(ready), max_items));
}

void WorkQueue::ring() const {
  const std::uint64_t one = 1;
  // The counter only overflows after 2^64 - 2 rings without a clear: never.
  GUISE_ASSERT(::write(ready_.get(), &one, sizeof one) == sizeof one, "eventfd write: ", std::strerror(errno));
}

void WorkQueue::clear_locked() {
  if (rings_owed_ == 0) return;  // the counter is zero: no system call
  std::uint64_t count = 0;
  // EAGAIN: the ring is still on its way; it arrives later as one spurious wake, cleared then.
  const ssize_t n = ::read(ready_.get(), &count, sizeof count);
  GUISE_ASSERT(n == sizeof count || errno == EAGAIN, "eventfd read: ", std::strerror(errno));
  if (n == sizeof count) rings_owed_ -= std::min<std::uint64_t>(count, rings_owed_);
}

Status WorkQueue::push(Work work) {
  bool was_empty = false;
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status(StatusCode::kUnavailable, "the apartment is gone", RPC_E_DISCONNECTED);
    if (items_.size() >= max_items_) {
      return Status(StatusCode::kResourceExhausted, "the apartment's queue is full", RPC_E_SERVERCALL_RETRYLATER);
    }
    was_empty = items_.empty();
    items_.push_back(std::move(work));
    if (was_empty) ++rings_owed_;
  }
  if (was_empty) ring();
  return Status::Ok();
}

std::optional<Work> WorkQueue::pop() {
  std::lock_guard lock(mu_);
  if (items_.empty()) {
    clear_locked();  // a spurious wake: a ring that arrived after its item was taken
    return std::nullopt;
  }
  Work work = std::move(items_.front());
  items_.pop_front();
  if (items_.empty()) clear_locked();
  return work;
}

std::deque<Work> WorkQueue::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  clear_locked();
  return std::exchange(items_, {});
}

std::size_t WorkQueue::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

bool WorkQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace guise::com
