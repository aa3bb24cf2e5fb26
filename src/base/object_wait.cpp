// object_wait.cpp: a level-triggered poll loop over objects and wake descriptors.
#include "base/object_wait.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <functional>
#include <vector>

namespace guise {

namespace {
using Clock = std::chrono::steady_clock;

constexpr short kReady = POLLIN | POLLERR | POLLHUP | POLLNVAL;

// poll()'s timeout for the time left, rounded up so a wait never returns before its deadline.
int poll_timeout(const WaitDeadline& deadline) {
  if (!deadline) return -1;
  const auto left = *deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

bool expired(const WaitDeadline& deadline) { return deadline && Clock::now() >= *deadline; }

Status poll_failed() {
  const int err = errno;
  if (err == ENOMEM) return resource_exhausted("poll: out of memory");
  return internal_error(std::string("poll: ") + std::strerror(err));
}

// poll() retried across EINTR (with the time left recomputed); returns false on another error.
bool poll_all(std::vector<pollfd>& fds, const WaitDeadline& deadline, bool block) {
  for (;;) {
    for (pollfd& p : fds) p.revents = 0;
    const int rc = ::poll(fds.data(), fds.size(), block ? poll_timeout(deadline) : 0);
    if (rc >= 0) return true;
    if (errno != EINTR) return false;
  }
}

bool has_duplicates(std::span<Waitable* const> objects) {
  std::vector<Waitable*> sorted(objects.begin(), objects.end());
  std::sort(sorted.begin(), sorted.end(), std::less<>());
  return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
}
}  // namespace

WaitDeadline deadline_after_ms(std::uint32_t milliseconds) {
  if (milliseconds == 0xFFFFFFFFu) return std::nullopt;
  return Clock::now() + std::chrono::milliseconds(milliseconds);
}

Result<WaitOutcome> wait_for_objects(std::span<Waitable* const> objects, bool wait_all, WaitDeadline deadline,
                                     std::span<const int> wake_fds) {
  if (wait_all && has_duplicates(objects)) return invalid_input("the same object twice in a wait-all");
  const std::size_t n = objects.size();
  std::vector<pollfd> now(n + wake_fds.size());  // every descriptor, polled without blocking
  for (std::size_t i = 0; i < n; ++i) now[i] = {objects[i]->wait_fd(), POLLIN, 0};
  for (std::size_t j = 0; j < wake_fds.size(); ++j) now[n + j] = {wake_fds[j], POLLIN, 0};
  std::vector<pollfd> blocking;  // what a blocking poll waits on

  for (;;) {
    if (!poll_all(now, deadline, false)) return poll_failed();
    blocking.clear();
    if (wait_all) {
      bool all_ready = n > 0;
      for (std::size_t i = 0; i < n; ++i) {
        if ((now[i].revents & kReady) == 0) {
          all_ready = false;
          blocking.push_back({now[i].fd, POLLIN, 0});
        }
      }
      if (all_ready && Waitable::try_acquire_all(objects)) return WaitOutcome{WaitOutcome::Kind::kObject, 0};
      if (all_ready) continue;  // another waiter took one of them between poll and acquire: look again
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        if ((now[i].revents & kReady) != 0 && objects[i]->try_acquire()) {
          return WaitOutcome{WaitOutcome::Kind::kObject, i};
        }
      }
      blocking.assign(now.begin(), now.begin() + static_cast<std::ptrdiff_t>(n));
    }
    for (std::size_t j = 0; j < wake_fds.size(); ++j) {
      if ((now[n + j].revents & kReady) != 0) return WaitOutcome{WaitOutcome::Kind::kWakeFd, j};
    }
    if (expired(deadline)) return WaitOutcome{WaitOutcome::Kind::kTimeout, 0};
    for (int fd : wake_fds) blocking.push_back({fd, POLLIN, 0});
    // Sleeps until something may have changed; the non-blocking poll above decides what it was.
    if (!poll_all(blocking, deadline, true)) return poll_failed();
  }
}

}  // namespace guise
