// kernel_object.h: what a Win32 HANDLE names — a process-local kernel object — and the waitable kind.
//
// A KernelObject lives in the process's HandleTable (handle_table.h) behind one or more HANDLEs and
// is shared: CloseHandle drops the table's reference while a thread still waiting on the object keeps
// its own, so closing never frees an object under a waiter. Events are Waitable; later kinds (tokens
// from OpenThreadToken/OpenProcessToken) derive from KernelObject only and are refused by the waits.
//
// A Waitable has a signaled state guarded by its own mutex and an eventfd-style descriptor that is
// readable exactly while the object is signaled (the invariant every subclass keeps under that mutex).
// Waiters poll the descriptor, so a wait can include sockets and an apartment's queue in the same
// poll; taking the signal (an auto-reset event resetting) happens only through try_acquire or
// try_acquire_all, under the mutex, so two waiters never both take one signal.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <mutex>
#include <span>
#include <string_view>

namespace guise {

class KernelObject {
 public:
  KernelObject() = default;
  KernelObject(const KernelObject&) = delete;
  KernelObject& operator=(const KernelObject&) = delete;
  virtual ~KernelObject() = default;

  // What the object is, for logs ("event", "token").
  virtual std::string_view kind() const noexcept = 0;
};

class Waitable : public KernelObject {
 public:
  // Readable (POLLIN) while the object is signaled. Waiters poll it; they never read it.
  virtual int wait_fd() const noexcept = 0;

  // If the object is signaled, takes the signal (an auto-reset object resets) and returns true.
  bool try_acquire();
  // All-or-nothing over `objects` (no duplicates): if every one is signaled, takes every signal and
  // returns true; otherwise takes none. Locks the objects in address order, so concurrent calls on
  // overlapping sets cannot deadlock.
  static bool try_acquire_all(std::span<Waitable* const> objects);

 protected:
  // Called with mu_ held.
  virtual bool signaled_locked() const = 0;
  // Called with mu_ held after signaled_locked() returned true: take the signal.
  virtual void acquired_locked() = 0;

  std::mutex mu_;
};

}  // namespace guise
