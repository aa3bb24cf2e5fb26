// thread_revert.h: taking another thread of this process back to the process identity (spec R22).
//
// A helper thread — not the one serving a call — may impersonate the call's client through the call's
// context; when the call completes, the runtime must put that thread back before the reply leaves,
// although the helper may be blocked anywhere. A RevertTicket, armed on the helper thread just before
// it impersonates, holds everything the revert needs, precomputed: the thread id and the ids, groups
// and capability sets the thread has at its process identity. revert_thread(ticket), on the completing
// thread, sends the helper a real-time signal (kRevertSignal, queued with the ticket's address); the
// handler runs on the helper, issues only raw syscalls (setresuid, capset, prctl, setresgid,
// setgroups; no allocation, no lock), checks the result with getresuid/getresgid and acknowledges
// through a futex word. revert_thread waits for the acknowledgement (bounded, kRevertBound), then
// checks the helper's effective uid and gid in /proc/self/task/<tid>/status. A helper that cannot be
// reverted — the signal blocked or ignored, no acknowledgement within the bound, a syscall refused —
// aborts the process with a log line: no thread is ever left running as someone else (fail closed).
// A helper that exited, or that reverted itself (disarm()), needs nothing.
//
// The helper's own bookkeeping (its ImpersonationScope) is untouched by the handler: the thread ends
// the scope the next time it acts (reverting to the ids it already has is a verified no-op). Until then
// thread_revoked() is true on it, so it no longer counts as impersonating (identity::thread_token()).
// The helper side blocks kRevertSignal (HelperSignalBlock) while it changes its own state, so the
// handler never interleaves with a switch in progress; the signal is delivered when it unblocks.
// Thread-safety: a ticket is shared between its helper thread and the runtime (atomics only).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "identity/kernel_ids.h"
#include "identity/thread_capabilities.h"

namespace guise::identity {

// SIGRTMIN + 5: glibc keeps the first real-time signals for itself; an application that uses this one
// for something else must not make helper threads impersonate.
int revert_signal() noexcept;
inline constexpr std::chrono::seconds kRevertBound{10};

// The handler of revert_signal() (installed by RevertTicket::arm; not for direct use).
void handle_revert_signal(int signal, siginfo_t* info, void* context) noexcept;

class RevertTicket {
 public:
  // On the helper thread, at its process identity, before it impersonates: captures its ids and
  // capabilities and installs the signal handler (once per process).
  static std::shared_ptr<RevertTicket> arm();

  pid_t tid() const noexcept { return tid_; }
  // The helper reverted itself (or replaced the impersonation): nothing left for the runtime to do.
  void disarm() noexcept { active_.store(false, std::memory_order_release); }
  bool active() const noexcept { return active_.load(std::memory_order_acquire); }
  // The helper thread is ending (after disarm, with kRevertSignal blocked for good).
  void mark_exited() noexcept;

 private:
  RevertTicket() = default;
  friend void revert_thread(RevertTicket& ticket);
  friend void handle_revert_signal(int, siginfo_t*, void*) noexcept;

  enum : std::uint32_t { kWaiting = 0, kReverted = 1, kNothingToDo = 2, kFailed = 3, kExited = 4 };

  pid_t tid_ = 0;
  KernelIds ground_;                 // the helper's process identity
  std::vector<gid_t> groups_;        // ground_.groups, owned here so the handler only reads it
  ThreadCapabilities capabilities_;  // the helper's sets at its process identity
  std::atomic<bool> active_{true};
  std::atomic<std::uint32_t> answer_{kWaiting};  // futex word
  std::atomic<int> failed_step_{0};              // the errno of the handler's refused step
};

// On the completing thread: takes the ticket's thread back to its process identity as described above.
// Returns once it is there, gone, or was never away; aborts the process otherwise.
void revert_thread(RevertTicket& ticket);

// Whether the runtime has reverted the calling thread by signal since its helper impersonation began.
bool thread_revoked() noexcept;
// The calling helper thread has ended that impersonation's scope: clears thread_revoked().
void clear_thread_revoked() noexcept;

// Blocks kRevertSignal on the calling thread for its lifetime (restoring the previous mask after).
class HelperSignalBlock {
 public:
  HelperSignalBlock() noexcept;
  ~HelperSignalBlock();
  HelperSignalBlock(const HelperSignalBlock&) = delete;
  HelperSignalBlock& operator=(const HelperSignalBlock&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace guise::identity
