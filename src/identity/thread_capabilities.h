// thread_capabilities.h: the calling thread's capability sets, read and changed for that thread only.
//
// Linux keeps capabilities per thread. Impersonation clears the effective and ambient sets going in,
// so no capability of the server survives into a call run as someone else (a non-root server holding
// CAP_SETUID/CAP_SETGID or CAP_DAC_READ_SEARCH through file capabilities would otherwise keep them),
// and restores them coming back; the permitted and inheritable sets are never touched, which is what
// makes the restore possible. Raw capget/capset/prctl act on the calling thread only.
// Values: thread-safe; the functions act on the calling thread.
#pragma once

#include <cstdint>

namespace guise::identity {

struct ThreadCapabilities {
  std::uint64_t effective = 0;
  std::uint64_t permitted = 0;
  std::uint64_t inheritable = 0;
  std::uint64_t ambient = 0;
  // SECBIT_NO_SETUID_FIXUP: the kernel leaves the capability sets alone when the uids change.
  bool no_setuid_fixup = false;

  // capget, plus PR_GET_SECUREBITS, plus PR_CAP_AMBIENT_IS_SET for each capability that could be
  // ambient (those both permitted and inheritable: usually none, so usually no further syscalls).
  static ThreadCapabilities of_calling_thread();

  // Whether there is anything to take away from a thread going into an impersonation.
  bool any_in_use() const noexcept { return effective != 0 || ambient != 0; }
  friend bool operator==(const ThreadCapabilities&, const ThreadCapabilities&) = default;
};

// Clears the calling thread's effective and ambient sets; permitted and inheritable stay `current`'s.
// Returns 0 or the errno of the step that failed.
int drop_effective_and_ambient(const ThreadCapabilities& current) noexcept;

// Sets the calling thread's effective set back to `saved.effective` (permitted and inheritable must
// still be `saved`'s) and, when `ambient_dropped`, raises its ambient capabilities again. Returns 0 or
// the errno that failed. `effective_now` is the effective set before the call: when it already equals
// saved.effective (the kernel restored it, as it does when a thread's euid returns to 0), no capset.
int restore_effective_and_ambient(const ThreadCapabilities& saved, std::uint64_t effective_now,
                                  bool ambient_dropped) noexcept;

// Clears every capability set of the calling thread but the bounding set (for a process that must
// keep none: the child of a fork made while impersonating). Returns 0 or the errno that failed.
int drop_all_capabilities() noexcept;

}  // namespace guise::identity
