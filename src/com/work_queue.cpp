// work_queue.cpp: a mutex-guarded deque whose readiness is an event's descriptor.
#include "com/work_queue.h"

#include "guise/winerror.h"

namespace guise::com {

Result<std::unique_ptr<WorkQueue>> WorkQueue::create(std::size_t max_items) {
  GUISE_TRY(auto ready, Event::create(Event::Reset::kManual, false));
  return std::unique_ptr<WorkQueue>(new WorkQueue(std::move(ready), max_items));
}

Status WorkQueue::push(Work work) {
  std::lock_guard lock(mu_);
  if (closed_) return Status(StatusCode::kUnavailable, "the apartment is gone", RPC_E_DISCONNECTED);
  if (items_.size() >= max_items_) {
    return Status(StatusCode::kResourceExhausted, "the apartment's queue is full", RPC_E_SERVERCALL_RETRYLATER);
  }
  items_.push_back(std::move(work));
  if (items_.size() == 1) ready_->set();
  return Status::Ok();
}

std::optional<Work> WorkQueue::pop() {
  std::lock_guard lock(mu_);
  if (items_.empty()) return std::nullopt;
  Work work = std::move(items_.front());
  items_.pop_front();
  if (items_.empty()) ready_->reset();
  return work;
}

std::deque<Work> WorkQueue::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  ready_->reset();
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
