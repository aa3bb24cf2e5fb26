// modal_wait.cpp: one loop for every COM wait — poll the caller's descriptors, events and the STA's queue.
#include "com/modal_wait.h"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "com/apartment.h"
#include "guise/winerror.h"
#include "identity/thread_ground.h"

namespace guise::com {

namespace {

constexpr short kReady = POLLIN | POLLERR | POLLHUP | POLLNVAL;

Status call_pending() {
  return Status(StatusCode::kDeadlineExceeded, "the wait timed out", RPC_S_CALLPENDING);
}

// The STA the calling thread owns, or null (MTA, outside COM). Shared, so work that leaves the
// apartment (CoUninitialize inside a call) cannot free it under the loop.
std::shared_ptr<Apartment> own_sta() {
  Apartment* apartment = current_apartment();
  if (apartment == nullptr || apartment->kind() != ApartmentKind::kSta) return nullptr;
  return apartment->shared();
}

// A wait for any one of `objects` or `fds` (not wait-all): one blocking poll, then the first ready
// object that can be taken, else the first ready descriptor, in order — without wait_for_objects'
// non-blocking looks before and after sleeping (two system calls per wait, on every STA call).
// `set` holds the objects' descriptors then `fds`.
Result<WaitOutcome> wait_for_any(std::span<Waitable* const> objects, std::span<pollfd> set, WaitDeadline deadline) {
  const std::size_t n = objects.size();
  for (;;) {
    int timeout = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      timeout = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, 1 << 30));
    }
    for (pollfd& p : set) p.revents = 0;
    const int rc = ::poll(set.data(), set.size(), timeout);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return Status(StatusCode::kInternal, std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < n; ++i) {
      if ((set[i].revents & kReady) != 0 && objects[i]->try_acquire()) return WaitOutcome{WaitOutcome::Kind::kObject, i};
    }
    for (std::size_t j = n; j < set.size(); ++j) {
      if ((set[j].revents & kReady) != 0) return WaitOutcome{WaitOutcome::Kind::kWakeFd, j - n};
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) return WaitOutcome{WaitOutcome::Kind::kTimeout, 0};
  }
}

// The loop: objects and caller fds are checked first (wait_for_objects reports the caller's fds
// before the queue's, which comes last), then one queued item runs, then look again.
Result<WaitOutcome> wait_serving(std::span<Waitable* const> objects, bool wait_all, std::span<const int> fds,
                                 WaitDeadline deadline) {
  std::shared_ptr<Apartment> sta = own_sta();
  std::vector<int> wake(fds.begin(), fds.end());
  if (sta != nullptr) wake.push_back(sta->wake_fd());
  // Wait-all keeps wait_for_objects (it must take every object at once); any-of polls once.
  const bool any_of = !wait_all || objects.empty();
  std::array<pollfd, 8> small{};
  std::vector<pollfd> large;
  std::span<pollfd> set;
  if (any_of) {
    const std::size_t count = objects.size() + wake.size();
    if (count > small.size()) large.resize(count);
    set = count > small.size() ? std::span<pollfd>(large) : std::span<pollfd>(small.data(), count);
    for (std::size_t i = 0; i < objects.size(); ++i) set[i] = {objects[i]->wait_fd(), POLLIN, 0};
    for (std::size_t j = 0; j < wake.size(); ++j) set[objects.size() + j] = {wake[j], POLLIN, 0};
  }
  // Opened with the first item served, held until the wait returns: the calls it serves start from the
  // ids it read (identity::ThreadGroundScope) instead of reading them each, and each still reads the
  // thread back when it ends. Inert when a scope is open (a wait inside a call or an impersonation).
  std::optional<identity::ThreadGroundScope> ground;
  for (;;) {
    GUISE_TRY(WaitOutcome outcome,
              any_of ? wait_for_any(objects, set, deadline) : wait_for_objects(objects, wait_all, deadline, wake));
    if (outcome.kind != WaitOutcome::Kind::kWakeFd || outcome.index < fds.size()) return outcome;
    // Work that keeps arriving must not hold a timed wait past its deadline (the objects and fds
    // were just found not ready).
    if (deadline && std::chrono::steady_clock::now() >= *deadline) return WaitOutcome{WaitOutcome::Kind::kTimeout, 0};
    if (sta->is_current()) {
      if (!ground) ground.emplace();
      sta->run_one();  // the queue's descriptor: serve one item, then look again
    } else {
      wake.pop_back();  // the work run here left the apartment: nothing more to serve
      if (!set.empty()) set = set.first(set.size() - 1);
      sta.reset();
    }
  }
}

}  // namespace

Result<std::size_t> modal_wait(std::span<const int> fds, WaitDeadline deadline) {
  GUISE_TRY(WaitOutcome outcome, wait_serving({}, false, fds, deadline));
  if (outcome.kind == WaitOutcome::Kind::kTimeout) return call_pending();
  return outcome.index;
}

Result<std::size_t> modal_wait_objects(std::span<Waitable* const> objects, bool wait_all, WaitDeadline deadline) {
  GUISE_TRY(WaitOutcome outcome, wait_serving(objects, wait_all, {}, deadline));
  if (outcome.kind == WaitOutcome::Kind::kTimeout) return call_pending();
  return outcome.index;
}

std::size_t run_posted_work() {
  std::shared_ptr<Apartment> sta = own_sta();
  if (sta == nullptr) return 0;
  // Bounded, so callers that keep posting cannot hold this thread here forever.
  const std::size_t bound = apartment_limits().max_queued_work;
  if (sta->queued_work() == 0) return 0;  // nothing to serve: no ground worth reading the ids for
  identity::ThreadGroundScope ground;     // as in wait_serving: the batch's calls start from one read of the ids
  std::size_t ran = 0;
  while (ran < bound && sta->is_current() && sta->run_one()) ++ran;
  return ran;
}

}  // namespace guise::com
