// modal_wait.cpp: one loop for every COM wait — poll the caller's descriptors, events and the STA's queue.
#include "com/modal_wait.h"

#include <vector>

#include "com/apartment.h"
#include "guise/winerror.h"

namespace guise::com {

namespace {

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

// The loop: objects and caller fds are checked first (wait_for_objects reports the caller's fds
// before the queue's, which comes last), then one queued item runs, then look again.
Result<WaitOutcome> wait_serving(std::span<Waitable* const> objects, bool wait_all, std::span<const int> fds,
                                 WaitDeadline deadline) {
  std::shared_ptr<Apartment> sta = own_sta();
  std::vector<int> wake(fds.begin(), fds.end());
  if (sta != nullptr) wake.push_back(sta->wake_fd());
  for (;;) {
    GUISE_TRY(WaitOutcome outcome, wait_for_objects(objects, wait_all, deadline, wake));
    if (outcome.kind != WaitOutcome::Kind::kWakeFd || outcome.index < fds.size()) return outcome;
    // Work that keeps arriving must not hold a timed wait past its deadline (the objects and fds
    // were just found not ready).
    if (deadline && std::chrono::steady_clock::now() >= *deadline) return WaitOutcome{WaitOutcome::Kind::kTimeout, 0};
    if (sta->is_current()) {
      sta->run_one();  // the queue's descriptor: serve one item, then look again
    } else {
      wake.pop_back();  // the work run here left the apartment: nothing more to serve
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
  std::size_t ran = 0;
  while (ran < bound && sta->is_current() && sta->run_one()) ++ran;
  return ran;
}

}  // namespace guise::com
