// handle_table.cpp: the process-wide HANDLE → KernelObject map.
#include "base/handle_table.h"

#include "base/assert.h"

namespace guise {

namespace {
// Serials start at 1 and are shifted left by 2: values are non-zero multiples of 4, far from
// INVALID_HANDLE_VALUE (all ones), and 2^62 serials never wrap in a process's life.
constexpr unsigned kHandleShift = 2;

std::uintptr_t key_of(HANDLE handle) noexcept { return reinterpret_cast<std::uintptr_t>(handle); }
}  // namespace

HandleTable& HandleTable::process() {
  static HandleTable* table = new HandleTable();  // never destroyed: handles outlive static destructors
  return *table;
}

HANDLE HandleTable::insert(std::shared_ptr<KernelObject> object) {
  GUISE_ASSERT(object != nullptr, "HandleTable::insert needs an object");
  std::lock_guard lock(mu_);
  const std::uintptr_t key = ++last_serial_ << kHandleShift;
  objects_.emplace(key, std::move(object));
  return reinterpret_cast<HANDLE>(key);
}

std::shared_ptr<KernelObject> HandleTable::find(HANDLE handle) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(key_of(handle));
  return it == objects_.end() ? nullptr : it->second;
}

bool HandleTable::close(HANDLE handle) {
  std::shared_ptr<KernelObject> dropped;  // destroyed after the lock is released
  std::lock_guard lock(mu_);
  auto it = objects_.find(key_of(handle));
  if (it == objects_.end()) return false;
  dropped = std::move(it->second);
  objects_.erase(it);
  return true;
}

std::size_t HandleTable::size() const {
  std::lock_guard lock(mu_);
  return objects_.size();
}

}  // namespace guise
