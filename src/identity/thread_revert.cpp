// thread_revert.cpp: the revert signal, its async-signal-safe handler and the bounded wait for it.
#include "identity/thread_revert.h"

#include <linux/capability.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <pthread.h>
#include <mutex>
#include <sstream>
#include <string>

#include "base/assert.h"
#include "base/log.h"

namespace guise::identity {
namespace {

thread_local volatile sig_atomic_t t_revoked = 0;

long raw_gettid() noexcept { return ::syscall(SYS_gettid); }
long raw_getpid() noexcept { return ::syscall(SYS_getpid); }

void futex_wake(std::atomic<std::uint32_t>& word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, long nanoseconds) noexcept {
  timespec slice{0, nanoseconds};
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, &slice, nullptr, 0);
}

// The handler's work: back to `ground` in return_to_ground's order (uid first, which gives a root
// process its capabilities back; then the capability sets; then gid and groups). Raw syscalls only.
// Returns 0 or the errno of the refused step.
int revert_calling_thread(const KernelIds& ground, const gid_t* groups, std::size_t group_count,
                          const ThreadCapabilities& caps) noexcept {
  if (::syscall(SYS_setresuid, static_cast<uid_t>(-1), ground.euid, static_cast<uid_t>(-1)) != 0) return errno;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &header, data) != 0) return errno;
  const std::uint64_t effective = (std::uint64_t{data[1].effective} << 32) | data[0].effective;
  if (effective != caps.effective) {
    for (int i = 0; i < 2; ++i) {
      data[i].effective = static_cast<std::uint32_t>(caps.effective >> (32 * i));
      data[i].permitted = static_cast<std::uint32_t>(caps.permitted >> (32 * i));
      data[i].inheritable = static_cast<std::uint32_t>(caps.inheritable >> (32 * i));
    }
    if (::syscall(SYS_capset, &header, data) != 0) return errno;
  }
  for (int cap = 0; cap < 64 && (caps.ambient >> cap) != 0; ++cap) {
    if (((caps.ambient >> cap) & 1) != 0 &&
        ::syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
      return errno;
    }
  }
  if (::syscall(SYS_setresgid, static_cast<gid_t>(-1), ground.egid, static_cast<gid_t>(-1)) != 0) return errno;
  if (::syscall(SYS_setgroups, group_count, groups) != 0) return errno;
  uid_t r = 0, e = 0, s = 0;
  gid_t rg = 0, eg = 0, sg = 0;
  if (::syscall(SYS_getresuid, &r, &e, &s) != 0 || ::syscall(SYS_getresgid, &rg, &eg, &sg) != 0) return errno;
  if (e != ground.euid || eg != ground.egid) return EPERM;
  return 0;
}

void install_handler_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = handle_revert_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&action.sa_mask);  // nothing interrupts the revert
    GUISE_ASSERT(::sigaction(revert_signal(), &action, nullptr) == 0, "cannot install the revert signal handler: ",
                 std::strerror(errno));
  });
}

// The effective uid, effective gid and groups of thread `tid` as /proc shows them; false if it is gone.
bool proc_view(pid_t tid, uid_t& euid, gid_t& egid, std::vector<gid_t>& groups) {
  std::ifstream status("/proc/self/task/" + std::to_string(tid) + "/status");
  if (!status) return false;
  std::string line;
  bool seen_uid = false, seen_gid = false;
  while (std::getline(status, line)) {
    std::istringstream in(line.substr(line.find(':') + 1));
    if (line.rfind("Uid:", 0) == 0) {
      uid_t real = 0;
      seen_uid = static_cast<bool>(in >> real >> euid);
    } else if (line.rfind("Gid:", 0) == 0) {
      gid_t real = 0;
      seen_gid = static_cast<bool>(in >> real >> egid);
    } else if (line.rfind("Groups:", 0) == 0) {
      gid_t g = 0;
      while (in >> g) groups.push_back(g);
    }
  }
  std::sort(groups.begin(), groups.end());
  return seen_uid && seen_gid;
}

}  // namespace

int revert_signal() noexcept { return SIGRTMIN + 5; }

void handle_revert_signal(int, siginfo_t* info, void*) noexcept {
  const int saved_errno = errno;
  if (info == nullptr || info->si_code != SI_QUEUE || info->si_pid != raw_getpid()) {
    errno = saved_errno;
    return;  // not the runtime's request
  }
  auto* ticket = static_cast<RevertTicket*>(info->si_value.sival_ptr);
  std::uint32_t answer = RevertTicket::kNothingToDo;
  if (ticket->tid_ == raw_gettid() && ticket->active_.load(std::memory_order_acquire)) {
    const int error = revert_calling_thread(ticket->ground_, ticket->groups_.data(), ticket->groups_.size(),
                                            ticket->capabilities_);
    if (error == 0) {
      t_revoked = 1;
      answer = RevertTicket::kReverted;
    } else {
      ticket->failed_step_.store(error, std::memory_order_relaxed);
      answer = RevertTicket::kFailed;
    }
  }
  ticket->answer_.store(answer, std::memory_order_release);
  futex_wake(ticket->answer_);
  errno = saved_errno;
}

std::shared_ptr<RevertTicket> RevertTicket::arm() {
  install_handler_once();
  std::shared_ptr<RevertTicket> ticket(new RevertTicket());
  ticket->tid_ = current_tid();
  ticket->ground_ = KernelIds::of_calling_thread();
  ticket->groups_ = ticket->ground_.groups;
  ticket->capabilities_ = ThreadCapabilities::of_calling_thread();
  return ticket;
}

void RevertTicket::mark_exited() noexcept {
  disarm();
  answer_.store(kExited, std::memory_order_release);
  futex_wake(answer_);
}

void revert_thread(RevertTicket& ticket) {
  if (!ticket.active() || ticket.tid_ == current_tid()) return;
  if (ticket.answer_.load(std::memory_order_acquire) == RevertTicket::kExited) return;
  siginfo_t info{};
  info.si_signo = revert_signal();
  info.si_code = SI_QUEUE;
  info.si_pid = static_cast<pid_t>(raw_getpid());
  info.si_uid = ::getuid();
  info.si_value.sival_ptr = &ticket;
  if (::syscall(SYS_rt_tgsigqueueinfo, raw_getpid(), ticket.tid_, revert_signal(), &info) != 0) {
    if (errno == ESRCH) return;  // the thread is gone, and its ids with it
    GUISE_FATAL("cannot signal helper thread ", ticket.tid_, " to revert it: ", std::strerror(errno),
                ". A thread running as the wrong user is never allowed to continue.");
  }
  const auto deadline = std::chrono::steady_clock::now() + kRevertBound;
  std::uint32_t answer = RevertTicket::kWaiting;
  while ((answer = ticket.answer_.load(std::memory_order_acquire)) == RevertTicket::kWaiting) {
    if (std::chrono::steady_clock::now() >= deadline) {
      log::error("call security: helper thread {} still impersonates a completed call's client and did not answer "
                 "the revert signal ({}) within {} s (blocked?); aborting",
                 ticket.tid_, revert_signal(), kRevertBound.count());
      GUISE_FATAL("helper thread ", ticket.tid_, " could not be reverted when its call completed (spec R22)");
    }
    futex_wait(ticket.answer_, RevertTicket::kWaiting, 50'000'000);
  }
  if (answer == RevertTicket::kFailed) {
    GUISE_FATAL("helper thread ", ticket.tid_, " could not return to ", ticket.ground_.to_string(), ": ",
                std::strerror(ticket.failed_step_.load()));
  }
  if (answer != RevertTicket::kReverted) return;
  // What the kernel shows of the helper now.
  uid_t euid = 0;
  gid_t egid = 0;
  std::vector<gid_t> groups;
  if (proc_view(ticket.tid_, euid, egid, groups) &&
      (euid != ticket.ground_.euid || egid != ticket.ground_.egid || groups != ticket.ground_.groups)) {
    GUISE_FATAL("helper thread ", ticket.tid_, " reverted by signal shows euid ", euid, " egid ", egid,
                " in /proc; expected ", ticket.ground_.to_string());
  }
  log::debug("call security: helper thread {} reverted to {} at its call's end", ticket.tid_,
             ticket.ground_.to_string());
}

bool thread_revoked() noexcept { return t_revoked != 0; }
void clear_thread_revoked() noexcept { t_revoked = 0; }

HelperSignalBlock::HelperSignalBlock() noexcept {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, revert_signal());
  ::pthread_sigmask(SIG_BLOCK, &block, &previous_);
}

HelperSignalBlock::~HelperSignalBlock() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

}  // namespace guise::identity
