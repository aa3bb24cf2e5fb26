#include "ndr/async_stub_state.h"

#include <map>
#include <mutex>
#include <utility>

namespace guise::ndr {
namespace {

struct Slot {
  std::uint16_t opnum = 0;
  std::shared_ptr<void> values;
};

struct Slots {
  std::mutex mu;
  std::map<const IUnknown*, Slot> by_object;
};

Slots& slots() {
  static Slots* s = new Slots();  // never destroyed: stubs may run during exit
  return *s;
}

}  // namespace

void AsyncStubState::save(const IUnknown* object, std::uint16_t opnum, std::shared_ptr<void> values) {
  Slots& s = slots();
  std::lock_guard lock(s.mu);
  s.by_object[object] = Slot{opnum, std::move(values)};
}

std::shared_ptr<void> AsyncStubState::take(const IUnknown* object, std::uint16_t opnum) {
  Slots& s = slots();
  std::lock_guard lock(s.mu);
  auto it = s.by_object.find(object);
  if (it == s.by_object.end() || it->second.opnum != opnum) return nullptr;
  std::shared_ptr<void> values = std::move(it->second.values);
  s.by_object.erase(it);
  return values;
}

void AsyncStubState::forget(const IUnknown* object) {
  Slots& s = slots();
  std::lock_guard lock(s.mu);
  s.by_object.erase(object);
}

}  // namespace guise::ndr
