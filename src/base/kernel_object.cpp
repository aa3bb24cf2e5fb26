// kernel_object.cpp: taking a Waitable's signal, alone or all-or-nothing over a set.
#include "base/kernel_object.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace guise {

bool Waitable::try_acquire() {
  std::lock_guard lock(mu_);
  if (!signaled_locked()) return false;
  acquired_locked();
  return true;
}

bool Waitable::try_acquire_all(std::span<Waitable* const> objects) {
  std::vector<Waitable*> ordered(objects.begin(), objects.end());
  std::sort(ordered.begin(), ordered.end(), std::less<>());
  std::vector<std::unique_lock<std::mutex>> locks;
  locks.reserve(ordered.size());
  for (Waitable* object : ordered) locks.emplace_back(object->mu_);
  for (Waitable* object : ordered) {
    if (!object->signaled_locked()) return false;
  }
  for (Waitable* object : ordered) object->acquired_locked();
  return true;
}

}  // namespace guise
