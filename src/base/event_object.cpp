// event_object.cpp: an event's state kept in step with its eventfd counter.
#include "base/event_object.h"

#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>

#include "base/eventfd.h"
#include "guise/winerror.h"

namespace guise {

Result<std::shared_ptr<Event>> Event::create(Reset reset, bool initially_signaled) {
  // The Status carries the Win32 error CreateEventW reports (GetLastError).
  GUISE_TRY(UniqueFd fd, make_eventfd());
  std::shared_ptr<Event> event(new Event(std::move(fd), reset));
  if (initially_signaled) event->set();
  return event;
}

void Event::set() {
  std::lock_guard lock(mu_);
  set_locked();
}

void Event::reset() {
  std::lock_guard lock(mu_);
  reset_locked();
}

void Event::acquired_locked() {
  if (reset_ == Reset::kAuto) reset_locked();
}

void Event::set_locked() {
  if (signaled_) return;
  const eventfd_t one = 1;
  // The counter is 0 here (the invariant), so the write cannot block or overflow.
  GUISE_ASSERT(::write(fd_.get(), &one, sizeof one) == sizeof one, "eventfd write: ", std::strerror(errno));
  signaled_ = true;
}

void Event::reset_locked() {
  if (!signaled_) return;
  eventfd_t count = 0;
  GUISE_ASSERT(::read(fd_.get(), &count, sizeof count) == sizeof count, "eventfd read: ", std::strerror(errno));
  signaled_ = false;
}

}  // namespace guise
