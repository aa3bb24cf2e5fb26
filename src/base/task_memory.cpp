// COM task memory (objbase.h): CoTaskMemAlloc / CoTaskMemRealloc / CoTaskMemFree over malloc, and the
// IMallocSpy a process may register to watch or fail them.
//
// Without a spy (the normal case) each call is one relaxed atomic load and the libc call. With one,
// every operation runs its Pre/Post pair under one mutex (the documented guarantee), and the blocks
// handed out under the spy are remembered so PreFree/PreRealloc learn fSpyed and a revocation waits
// for them: CoRevokeMallocSpy with such blocks outstanding answers E_ACCESSDENIED, stops showing the
// spy new allocations, and releases it when the last spied block is freed.
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <unordered_set>

#include "guise/objbase.h"

namespace {

struct SpyState {
  std::mutex mu;
  IMallocSpy* spy = nullptr;      // registered, or revoked with spied blocks outstanding
  bool revoke_pending = false;    // CoRevokeMallocSpy answered E_ACCESSDENIED: no new allocations
  std::unordered_set<void*> spied;  // blocks returned to callers while the spy watched
};

SpyState& state() {
  static SpyState* s = new SpyState();  // lives for the process: blocks may be freed during exit
  return *s;
}

// True while a spy must see frees or allocations; checked before taking the mutex.
std::atomic<bool> g_spy_involved{false};

void release_if_done_locked(SpyState& s) {
  if (!s.revoke_pending || !s.spied.empty()) return;
  IMallocSpy* spy = s.spy;
  s.spy = nullptr;
  s.revoke_pending = false;
  g_spy_involved.store(false, std::memory_order_release);
  spy->Release();
}

SIZE_T at_least_one(SIZE_T cb) { return cb == 0 ? 1 : cb; }

}  // namespace

extern "C" {

LPVOID CoTaskMemAlloc(SIZE_T cb) {
  if (!g_spy_involved.load(std::memory_order_acquire)) return std::malloc(at_least_one(cb));
  SpyState& s = state();
  std::lock_guard lock(s.mu);
  if (s.spy == nullptr || s.revoke_pending) return std::malloc(at_least_one(cb));
  const SIZE_T actual = s.spy->PreAlloc(cb);
  if (actual == 0 && cb != 0) return nullptr;  // the spy forces a failure; PostAlloc is not called
  void* block = std::malloc(at_least_one(actual));
  void* given = s.spy->PostAlloc(block);
  if (given != nullptr) s.spied.insert(given);
  return given;
}

LPVOID CoTaskMemRealloc(LPVOID pv, SIZE_T cb) {
  if (!g_spy_involved.load(std::memory_order_acquire)) return std::realloc(pv, at_least_one(cb));
  SpyState& s = state();
  std::lock_guard lock(s.mu);
  const BOOL spyed = pv != nullptr && s.spied.count(pv) != 0 ? TRUE : FALSE;
  const bool watching = s.spy != nullptr && (!s.revoke_pending || spyed);
  if (!watching) return std::realloc(pv, at_least_one(cb));
  void* actual_block = pv;
  const SIZE_T actual = s.spy->PreRealloc(pv, cb, &actual_block, spyed);
  if (actual == 0 && cb != 0) return nullptr;  // forced failure: the old block is untouched
  void* moved = std::realloc(actual_block, at_least_one(actual));
  if (moved == nullptr) return s.spy->PostRealloc(nullptr, spyed);  // the old block is still the caller's
  if (spyed) s.spied.erase(pv);
  void* given = s.spy->PostRealloc(moved, TRUE);
  if (given != nullptr && !s.revoke_pending) s.spied.insert(given);
  release_if_done_locked(s);
  return given;
}

void CoTaskMemFree(LPVOID pv) {
  if (pv == nullptr) return;
  if (!g_spy_involved.load(std::memory_order_acquire)) return std::free(pv);
  SpyState& s = state();
  std::lock_guard lock(s.mu);
  const BOOL spyed = s.spied.erase(pv) != 0 ? TRUE : FALSE;
  if (s.spy == nullptr || (s.revoke_pending && !spyed)) return std::free(pv);
  std::free(s.spy->PreFree(pv, spyed));
  s.spy->PostFree(spyed);
  release_if_done_locked(s);
}

HRESULT CoRegisterMallocSpy(LPMALLOCSPY pMallocSpy) {
  if (pMallocSpy == nullptr) return E_INVALIDARG;
  IMallocSpy* spy = nullptr;
  if (FAILED(pMallocSpy->QueryInterface(IID_IMallocSpy, reinterpret_cast<void**>(&spy))) || spy == nullptr) {
    return E_INVALIDARG;
  }
  SpyState& s = state();
  std::lock_guard lock(s.mu);
  if (s.spy != nullptr) {
    spy->Release();
    return CO_E_OBJISREG;
  }
  s.spy = spy;  // the QueryInterface reference is the registration's
  g_spy_involved.store(true, std::memory_order_release);
  return S_OK;
}

HRESULT CoRevokeMallocSpy(void) {
  SpyState& s = state();
  std::lock_guard lock(s.mu);
  if (s.spy == nullptr || s.revoke_pending) return CO_E_OBJNOTREG;
  s.revoke_pending = true;
  if (!s.spied.empty()) return E_ACCESSDENIED;  // released when its last block is freed
  release_if_done_locked(s);
  return S_OK;
}

}  // extern "C"
