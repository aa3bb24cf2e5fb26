// handle_table.h: the process-wide table behind Win32 HANDLEs.
//
// insert() gives a KernelObject a new HANDLE; find() returns a shared reference to it; close() drops
// the table's reference. Handle values are multiples of 4 (as on Windows), never NULL or
// INVALID_HANDLE_VALUE, and never reused while the process lives, so a stale or forged handle finds
// nothing instead of a newer object. Every layer that puts a kernel object behind a HANDLE (events
// here, tokens in the security layer) uses this one table, so CloseHandle closes any of them.
// After fork() the child has a copy of the table (and, for events, of their descriptors).
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "base/kernel_object.h"
#include "guise/wtypes.h"

namespace guise {

class HandleTable {
 public:
  // The process's table.
  static HandleTable& process();

  // A new handle for `object` (non-null).
  HANDLE insert(std::shared_ptr<KernelObject> object);
  // The object `handle` names, or null (NULL, INVALID_HANDLE_VALUE, closed, never issued).
  std::shared_ptr<KernelObject> find(HANDLE handle) const;
  // The object if it is a T, else null.
  template <class T>
  std::shared_ptr<T> find_as(HANDLE handle) const {
    return std::dynamic_pointer_cast<T>(find(handle));
  }
  // Drops the table's reference; false if `handle` named nothing.
  bool close(HANDLE handle);
  // How many handles are open (for tests and leak checks).
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::uintptr_t last_serial_ = 0;  // guarded by mu_
  std::unordered_map<std::uintptr_t, std::shared_ptr<KernelObject>> objects_;  // guarded by mu_
};

}  // namespace guise
