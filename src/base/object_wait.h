// object_wait.h: block until kernel objects are signaled, a wake descriptor is readable, or a deadline.
//
// wait_for_objects is the one wait behind WaitForSingleObject, WaitForMultipleObjects and COM's
// CoWaitForMultipleHandles. It polls the objects' descriptors together with `wake_fds` (an apartment's
// queue, a connection awaiting a reply), so a thread can wait for events and still notice other work.
// Objects are checked before wake descriptors, in index order, and a wait that is satisfied takes the
// signal (auto-reset events reset): with wait_all every object at once and atomically, otherwise the
// lowest-indexed signaled object. A readable wake descriptor is only reported, never read. When the
// deadline passes the objects are checked one last time, so an object signaled before the deadline
// is never reported as a timeout. Spurious wake-ups (EINTR, a signal taken by another waiter) are
// absorbed. Thread-safety: any thread; the objects may be set, reset and waited on concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>

#include "base/kernel_object.h"
#include "base/status.h"

namespace guise {

// When a wait gives up; std::nullopt waits forever.
using WaitDeadline = std::optional<std::chrono::steady_clock::time_point>;

// A deadline `milliseconds` from now; INFINITE (0xFFFFFFFF) → forever.
WaitDeadline deadline_after_ms(std::uint32_t milliseconds);

struct WaitOutcome {
  enum class Kind { kObject, kWakeFd, kTimeout };
  Kind kind = Kind::kTimeout;
  // kObject: the object's index (0 for wait_all); kWakeFd: the descriptor's index in wake_fds.
  std::size_t index = 0;
};

// Preconditions: no null objects; with wait_all, no object twice (checked: kInvalidInput).
// Errors: kInvalidInput (duplicates with wait_all), kResourceExhausted/kInternal if poll fails.
Result<WaitOutcome> wait_for_objects(std::span<Waitable* const> objects, bool wait_all, WaitDeadline deadline,
                                     std::span<const int> wake_fds = {});

}  // namespace guise
