// impersonation.h: per-thread, kernel-enforced impersonation as a scope.
//
// impersonate(token) switches the *calling thread's* kernel credentials with raw
// syscall(SYS_setgroups / SYS_setresgid(-1, g, -1) / SYS_setresuid(-1, u, -1)) — glibc's wrappers would
// change every thread of the process — so the kernel itself allows or refuses what the code touches.
// Only the effective (and so the fs) ids and the supplementary groups become the token's (spec §4 L1:
// the caller's at impersonate/delegate; the unprivileged identity at identify/anonymous); real and
// saved ids stay the process's, so revert works and the caller's own processes cannot signal, ptrace
// or read the memory of the thread serving them (L7). No capability survives into an impersonation of
// anyone but root: the thread's effective and ambient capability sets are cleared going in (the
// permitted set stays, so the revert can restore them) — for a root server the kernel does this
// itself, for a non-root server with file or ambient capabilities guise does (thread_capabilities.h).
// Order: groups → gid → uid → capabilities going in, uid → capabilities → gid → groups coming back. Every revert is verified against getresuid, getresgid and getgroups (inside a call: once, when the call ends); a thread
// that is not what it must be aborts the process with a message naming the thread, the expected and
// the actual ids (DESIGN decision 5). A failed switch undoes its completed steps and reports
// CO_E_FAILEDTOIMPERSONATE; a failed undo aborts.
//
// A process without CAP_SETUID and CAP_SETGID cannot switch: impersonating anything but its own ids
// fails closed (spec R27) and never "succeeds" while the kernel still sees the server.
//
// Scopes nest (C++ scoping builds the stack). A scope is move-only, belongs to the thread that made it
// (ending it on another thread aborts), restores exactly what it saved, and can be ended early with
// revert(). A scope ended out of order ends every scope opened inside it. Thread-safety: the functions
// are safe from any thread and act on the calling thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/status.h"
#include "identity/kernel_ids.h"
#include "identity/token.h"

namespace guise::identity {

// The ids a thread carries while impersonating `token` (spec §4 L1).
struct ThreadIds {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // sorted, unique
  friend bool operator==(const ThreadIds&, const ThreadIds&) = default;
};
ThreadIds thread_ids_for(const Token& token);

// The identity identify/anonymous-level impersonation runs as. Default: NSS "nobody"/"nogroup"
// (65534/65534 when NSS has neither). Process-wide; set it before serving calls.
struct UnprivilegedIdentity {
  uid_t uid;
  gid_t gid;
};
void set_unprivileged_identity(UnprivilegedIdentity ids) noexcept;
UnprivilegedIdentity unprivileged_identity() noexcept;

// Whether the calling thread has CAP_SETUID and CAP_SETGID in its effective set.
bool can_switch_ids() noexcept;
// Logs once per process whether impersonation of other users is possible (spec R27).
void log_impersonation_mode_once();

class [[nodiscard]] ImpersonationScope {
 public:
  ImpersonationScope(ImpersonationScope&& other) noexcept
      : frame_id_(std::exchange(other.frame_id_, 0)), tid_(other.tid_) {}
  ImpersonationScope& operator=(ImpersonationScope&&) = delete;
  ImpersonationScope(const ImpersonationScope&) = delete;
  ImpersonationScope& operator=(const ImpersonationScope&) = delete;
  ~ImpersonationScope() { revert(); }

  // Restores what the scope saved, verifies it with the kernel, and makes the scope inert. Ending a
  // scope on a thread other than the one that made it aborts. Never fails; idempotent.
  void revert() noexcept;

 private:
  friend Result<ImpersonationScope> impersonate(const Token& token);
  friend class ProcessIdentityScope;
  ImpersonationScope(std::uint64_t frame_id, pid_t tid) noexcept : frame_id_(frame_id), tid_(tid) {}

  std::uint64_t frame_id_ = 0;  // 0 = inert (moved from or reverted)
  pid_t tid_ = 0;
};

// Applies `token` to the calling thread. Errors: kAccessDenied with CO_E_FAILEDTOIMPERSONATE when the
// kernel refuses (no capability, or a syscall failed) — the thread is then exactly as before.
Result<ImpersonationScope> impersonate(const Token& token);

// The runtime's per-call scope (DESIGN decision 5): saves the thread's token and kernel ids, runs
// as the process (no thread token, the process's ids), and on exit ends any impersonation the call
// left behind and restores exactly what was saved — an outer call's impersonation in an STA included.
//
// The scope a runtime opens around one dispatched call is made with kCallScope: then an impersonation
// ended inside it is not read back at its revert (its syscalls' success defines the ids) but once, when
// the call's scope ends, before the reply leaves (spec R24: ids changed behind guise's back abort at
// the end of the call). That saves 3 syscalls per impersonate + revert (docs/performance.md); outside
// a call scope every revert is read back.
// The kernel resets the process's dumpable flag whenever a thread's euid changes; guise puts back the
// flag the process had once no thread impersonates. When that happens inside a call scope, the restore
// is owed until the runtime calls settle_dumpable_flag() after the call's reply has left (the flag
// stays at the kernel's stricter reset value meanwhile: fail closed, and off the call's latency).
void settle_dumpable_flag() noexcept;

struct CallScopeTag {};
inline constexpr CallScopeTag kCallScope{};

class [[nodiscard]] ProcessIdentityScope {
 public:
  ProcessIdentityScope() : inner_(enter(false)) {}
  explicit ProcessIdentityScope(CallScopeTag) : inner_(enter(true)) {}
  ProcessIdentityScope(const ProcessIdentityScope&) = delete;
  ProcessIdentityScope& operator=(const ProcessIdentityScope&) = delete;
  ~ProcessIdentityScope() { inner_.revert(); }

 private:
  static ImpersonationScope enter(bool call_scope);
  ImpersonationScope inner_;
};

// The token the calling thread carries (the OpenThreadToken analogue); nullopt when it runs as the
// process. At identify level it names the caller although the kernel sees the unprivileged identity.
std::optional<Token> thread_token();
bool is_impersonating();
// The thread token if there is one, else the process's token.
Token effective_token();

// The calling thread's process identity as the kernel holds it: its ids and groups now when it runs
// as the process, else those saved when its outermost scope opened (what it returns to). Real and
// saved ids are the kernel's either way (they never change while impersonating).
KernelIds process_kernel_ids();

}  // namespace guise::identity
