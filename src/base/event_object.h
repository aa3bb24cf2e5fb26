// event_object.h: a Win32 event (manual- or auto-reset) on an eventfd.
//
// The eventfd's counter is 1 exactly while the event is signaled and 0 otherwise (kept under the
// Waitable mutex), so poll() on wait_fd() sees the event's state and a wait can mix events with
// sockets. A manual-reset event stays signaled for every waiter until reset(); an auto-reset event is
// taken by the first waiter whose try_acquire succeeds, which resets it, so one set() releases one wait.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <memory>

#include "base/kernel_object.h"
#include "base/status.h"
#include "base/unique_fd.h"

namespace guise {

class Event final : public Waitable {
 public:
  enum class Reset { kManual, kAuto };

  // Errors: kResourceExhausted when no descriptor or memory is left (RLIMIT_NOFILE), kInternal
  // otherwise; the Status carries HRESULT_FROM_WIN32 of the Win32 error CreateEventW reports.
  static Result<std::shared_ptr<Event>> create(Reset reset, bool initially_signaled);

  void set();
  void reset();
  Reset reset_mode() const noexcept { return reset_; }

  int wait_fd() const noexcept override { return fd_.get(); }
  std::string_view kind() const noexcept override { return "event"; }

 private:
  Event(UniqueFd fd, Reset reset) noexcept : fd_(std::move(fd)), reset_(reset) {}
  bool signaled_locked() const override { return signaled_; }
  void acquired_locked() override;
  void set_locked();
  void reset_locked();

  const UniqueFd fd_;
  const Reset reset_;
  bool signaled_ = false;  // guarded by mu_; mirrors the eventfd counter
};

}  // namespace guise
