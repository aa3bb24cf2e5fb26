// Per-thread impersonation: the frame stack, the raw credential syscalls, and their verification.
#include "identity/impersonation.h"

#include <pthread.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <mutex>

#include "base/assert.h"
#include "base/log.h"
#include "guise/winerror.h"
#include "identity/nss.h"
#include "identity/thread_capabilities.h"
#include "identity/thread_ground.h"
#include "identity/thread_revert.h"

namespace guise::identity {
namespace {

// What a thread carries: its kernel ids, and whether its effective and ambient capability sets are
// cleared (they are while it impersonates anyone but root: no capability of the server survives
// into a call run as someone else).
struct ThreadView {
  KernelIds ids;
  bool capabilities_dropped = false;
  friend bool operator==(const ThreadView&, const ThreadView&) = default;
};

// One entry per open scope on this thread, innermost last.
struct Frame {
  std::uint64_t id = 0;
  ThreadView saved;                  // what the thread carried when the scope opened
  std::optional<Token> saved_token;  // the thread token then (nullopt: running as the process)
  std::optional<Token> token;        // the thread token while this frame is innermost
  ThreadView expected;               // what the thread carries while it is innermost
  bool call_scope = false;           // a dispatched call's scope: reads back the ids of reverts inside it
  std::uint64_t changes_at_open = 0;  // the thread's change count once this frame was open
  bool handed_off = false;            // call_handed_off() was taken: no read-back at the end if nothing changed
};

struct ThreadState {
  std::vector<Frame> frames;
  // The thread's own (process) ids and capabilities, captured when its outermost scope opened.
  KernelIds ground;
  ThreadCapabilities ground_capabilities;
  // Whether the thread currently differs from its ground (counted in the dumpable book).
  bool away = false;
  // Set in the child of a fork() made while away: the ids were made permanent there.
  bool pinned_by_fork = false;
  // Counts every frame opened and every switch made on this thread (call_handed_off's "nothing changed").
  std::uint64_t changes = 0;

  ThreadView ground_view() const { return ThreadView{ground, false}; }

  // A thread that ends while impersonating takes its credentials with it; it no longer counts as
  // away, so the process's dumpable flag can come back.
  ~ThreadState();
};

thread_local ThreadState t_state;
thread_local pid_t t_tid = 0;  // gettid() cached; reset in a fork child

pid_t cached_tid() noexcept {
  if (t_tid == 0) t_tid = current_tid();
  return t_tid;
}
std::atomic<std::uint64_t> g_next_frame_id{1};

// Dumpable bookkeeping: the kernel sets the process's dumpable flag to fs.suid_dumpable whenever a
// thread's effective ids change; the flag the process had is restored once no thread is away from
// its process ids (docs/security-model.md). Counting and restoring happen under one lock, so a
// restore can never land after another thread's switch: a thread is counted before it switches and
// uncounted after it is back, and the flag is read and restored only while the count is zero.
struct DumpableBook {
  std::mutex mu;
  int threads_away = 0;       // guarded by mu
  int original = -1;          // guarded by mu: the flag when the count last left zero
  bool restore_owed = false;  // guarded by mu: back at zero inside a call; settle_dumpable_flag restores
};
DumpableBook& dumpable_book() {
  static DumpableBook* book = new DumpableBook;  // never destroyed: threads may end after static destructors
  return *book;
}

// PR_SET_DUMPABLE takes 0 or 1 only; 2 (SUID_DUMP_ROOT: dumps readable by root only) is set by the
// kernel alone, from fs.suid_dumpable. A process that had 2 keeps 2 when the sysctl still says 2,
// and otherwise gets 0 — never the more permissive 1.
void restore_dumpable(int original) {
  if (original == 0 || original == 1) {
    ::prctl(PR_SET_DUMPABLE, original);
  } else if (original == 2 && ::prctl(PR_GET_DUMPABLE) == 1) {
    ::prctl(PR_SET_DUMPABLE, 0);
  }
}

std::atomic<std::uint64_t> g_unprivileged{0};  // (uid << 32 | gid) + 1; 0 = not yet resolved

[[noreturn]] void die_with_ids(const char* what, const KernelIds& expected, const KernelIds& actual) {
  GUISE_FATAL("thread ", current_tid(), " ", what, ": expected ", expected.to_string(), "; kernel says ",
              actual.to_string(), ". A thread running as the wrong user is never allowed to continue.");
}

void verify_kernel_ids(const KernelIds& expected, const char* what) {
  const KernelIds actual = KernelIds::of_calling_thread();
  if (actual != expected) die_with_ids(what, expected, actual);
}

// Raw syscalls: glibc's setresuid/setresgid/setgroups broadcast to every thread of the process.
int raw_setgroups(const std::vector<gid_t>& groups) {
  return static_cast<int>(::syscall(SYS_setgroups, groups.size(), groups.data()));
}
// Only the effective (and with it the fs) id changes: real and saved ids stay the process's, so the
// caller cannot signal the thread serving it and revert needs no capability (spec §4 L1, L2, L7).
int raw_set_effective_gid(gid_t e) {
  return static_cast<int>(::syscall(SYS_setresgid, static_cast<gid_t>(-1), e, static_cast<gid_t>(-1)));
}
int raw_set_effective_uid(uid_t e) {
  return static_cast<int>(::syscall(SYS_setresuid, static_cast<uid_t>(-1), e, static_cast<uid_t>(-1)));
}

// The effective capability set the kernel leaves when a thread's euid goes from `from` to `to`
// (capabilities(7), "Effect of user ID changes on capabilities"; real and saved ids never change here).
std::uint64_t effective_after_uid_change(const ThreadCapabilities& caps, std::uint64_t effective, uid_t from,
                                         uid_t to) {
  if (caps.no_setuid_fixup || from == to) return effective;
  if (from == 0) return 0;             // euid 0 → non-zero: the kernel clears the effective set
  if (to == 0) return caps.permitted;  // non-zero → 0: it copies the permitted set in
  return effective;
}

// The effective set a thread carrying `view` has.
std::uint64_t effective_in(const ThreadState& state, const ThreadView& view) {
  if (view.capabilities_dropped) return 0;
  return effective_after_uid_change(state.ground_capabilities, state.ground_capabilities.effective,
                                    state.ground.euid, view.ids.euid);
}

// Back to the process ids: uid first (which restores the capabilities of a root process), then the
// capability sets, then gid, then groups (setgroups needs CAP_SETGID even for a no-op, so steps whose
// ids already match are skipped). Cannot fail for a thread whose real and saved ids are the ground's
// and whose permitted set is untouched; if it does, abort.
void return_to_ground(const ThreadState& state, const ThreadView& from) {
  const KernelIds& g = state.ground;
  const KernelIds& current = from.ids;
  if (current.euid != g.euid && raw_set_effective_uid(g.euid) != 0) {
    GUISE_FATAL("thread ", current_tid(), " cannot return to uid ", g.euid, ": ", std::strerror(errno));
  }
  const ThreadCapabilities& caps = state.ground_capabilities;
  const std::uint64_t effective_now = effective_after_uid_change(caps, effective_in(state, from), current.euid, g.euid);
  if (effective_now != caps.effective || (from.capabilities_dropped && caps.ambient != 0)) {
    if (int error = restore_effective_and_ambient(caps, effective_now, from.capabilities_dropped); error != 0) {
      GUISE_FATAL("thread ", current_tid(), " cannot restore its capabilities: ", std::strerror(error));
    }
  }
  if (current.egid != g.egid && raw_set_effective_gid(g.egid) != 0) {
    GUISE_FATAL("thread ", current_tid(), " cannot return to gid ", g.egid, ": ", std::strerror(errno));
  }
  if (current.groups != g.groups && raw_setgroups(g.groups) != 0) {
    GUISE_FATAL("thread ", current_tid(), " cannot restore its groups: ", std::strerror(errno));
  }
}

// Called before a thread leaves its ground (the kernel changes the flag as soon as the euid does)
// and after it is back.
void note_away(ThreadState& state, bool away) {
  if (away == state.away) return;
  state.away = away;
  DumpableBook& book = dumpable_book();
  std::lock_guard lock(book.mu);
  if (away) {
    // Read per period, not once per process: the process may change its flag between calls. While a
    // restore is owed the flag is still the kernel's reset value and `original` still the truth.
    if (book.threads_away++ == 0) {
      if (book.restore_owed) {
        book.restore_owed = false;
      } else {
        book.original = ::prctl(PR_GET_DUMPABLE);
      }
    }
  } else if (--book.threads_away == 0) {
    // Inside a dispatched call the restore waits until the reply has left (settle_dumpable_flag): the
    // flag stays at the kernel's stricter reset value a little longer, off the call's latency.
    const bool in_call = std::any_of(state.frames.begin(), state.frames.end(), [](const Frame& f) { return f.call_scope; });
    if (in_call) {
      book.restore_owed = true;
    } else {
      restore_dumpable(book.original);
    }
  }
}

enum class Verify { kNo, kYes };

ThreadState::~ThreadState() { note_away(*this, false); }

// Moves the thread from `from` to `to` (both complete views) through the process ids. Going in:
// groups → gid → uid → capabilities, skipping steps that change nothing. On a refused step: undoes
// what was done, puts the thread back at `from`, and returns the error. With Verify::kYes the ids are
// read back from the kernel (3 syscalls) and any difference aborts.
Status switch_ids(ThreadState& state, const ThreadView& from, const ThreadView& to, Verify verify) {
  if (from == to) return Status::Ok();
  ++state.changes;
  const ThreadView ground = state.ground_view();
  const KernelIds& g = state.ground;
  if (from != ground) {
    return_to_ground(state, from);
    note_away(state, false);
  }
  if (to != ground) {
    note_away(state, true);
    const char* step = "setgroups";
    int error = 0;
    if (to.ids.groups != g.groups && raw_setgroups(to.ids.groups) != 0) error = errno;
    if (error == 0) {
      step = "setresgid";
      if (to.ids.egid != g.egid && raw_set_effective_gid(to.ids.egid) != 0) error = errno;
    }
    if (error == 0) {
      step = "setresuid";
      if (to.ids.euid != g.euid && raw_set_effective_uid(to.ids.euid) != 0) error = errno;
    }
    bool capabilities_touched = false;
    if (error == 0 && to.capabilities_dropped) {
      // Last: setresuid/setresgid/setgroups above need the effective capabilities this removes.
      step = "capset";
      capabilities_touched = true;
      ThreadCapabilities now = state.ground_capabilities;
      now.effective = effective_after_uid_change(now, now.effective, g.euid, to.ids.euid);
      error = drop_effective_and_ambient(now);
    }
    if (error != 0) {
      // Undo the steps that took.
      return_to_ground(state, ThreadView{KernelIds::of_calling_thread(), capabilities_touched});
      verify_kernel_ids(g, "failed to undo a refused switch");
      note_away(state, false);
      if (from != ground) {
        Status back = switch_ids(state, ground, from, Verify::kYes);
        GUISE_ASSERT(back.ok(), "cannot return to the ids this thread had: ", back.to_string());
      }
      return Status(StatusCode::kAccessDenied,
                    fmt::format("the kernel refused {} to uid {} gid {}: {}", step, to.ids.euid, to.ids.egid,
                                std::strerror(error)),
                    CO_E_FAILEDTOIMPERSONATE);
    }
  }
  if (verify == Verify::kYes) verify_kernel_ids(to.ids, "is not what guise restored");
  return Status::Ok();
}

// What a thread must carry while it carries `ids`: effective ids and groups are the token's, real and
// saved ids stay the process's (spec §4 L1), and — unless the token is root, who holds every
// capability anyway — the effective and ambient capability sets are empty.
ThreadView view_for(const ThreadState& state, const ThreadIds& ids) {
  ThreadView view{state.ground, false};
  view.ids.euid = ids.uid;
  view.ids.egid = ids.gid;
  view.ids.groups = ids.groups;
  view.capabilities_dropped = ids.uid != 0 && state.ground_capabilities.any_in_use();
  return view;
}

void fork_child_pins_identity() {
  // The child of an impersonating thread would otherwise keep the process's real and saved ids (root)
  // and its permitted capabilities, and could take them back: make the impersonated ids permanent
  // there — real, effective and saved — and, unless it is root, drop every capability (fail closed).
  t_tid = 0;
  ThreadState& state = t_state;
  // The dumpable book was locked across fork (prepare_fork); only this thread exists here, and
  // threads of the parent that were away are not: nothing is counted in the child.
  DumpableBook& book = dumpable_book();
  book.threads_away = 0;
  book.restore_owed = false;
  book.mu.unlock();
  if (!state.away) return;
  const KernelIds now = KernelIds::of_calling_thread();
  if (::syscall(SYS_setresgid, now.egid, now.egid, now.egid) != 0 ||
      ::syscall(SYS_setresuid, now.euid, now.euid, now.euid) != 0 ||
      (now.euid != 0 && drop_all_capabilities() != 0)) {
    ::_exit(127);
  }
  state.pinned_by_fork = true;
  state.away = false;  // the pinned ids are this process's own now
}

// The book's lock is held across fork, so the child never inherits it locked by a thread it lacks.
void prepare_fork() { dumpable_book().mu.lock(); }
void parent_after_fork() { dumpable_book().mu.unlock(); }

void install_fork_handler_once() {
  static std::once_flag once;
  std::call_once(once, [] { ::pthread_atfork(prepare_fork, parent_after_fork, fork_child_pins_identity); });
}

std::uint64_t open_frame(ThreadState& state, ThreadView saved, std::optional<Token> token, ThreadView expected,
                         bool call_scope = false) {
  const std::uint64_t id = g_next_frame_id.fetch_add(1, std::memory_order_relaxed);
  std::optional<Token> saved_token = state.frames.empty() ? std::nullopt : state.frames.back().token;
  state.frames.push_back(Frame{id, std::move(saved), std::move(saved_token), std::move(token), std::move(expected),
                               call_scope, ++state.changes, false});
  return id;
}

// What the thread carries now: what the innermost scope set, or — when no scope is open — what the
// kernel says now, which becomes the thread's process identity (captured per outermost scope, so a
// process-wide change of ids or capabilities between calls is honoured).
ThreadView current_view(ThreadState& state) {
  if (state.frames.empty()) {
    state.ground = KernelIds::of_calling_thread();
    state.ground_capabilities = ThreadCapabilities::of_calling_thread();
    return state.ground_view();
  }
  return state.frames.back().expected;
}

}  // namespace

ThreadIds thread_ids_for(const Token& token) {
  if (token.is_anonymous() || !applies_caller_ids(token.level())) {
    const UnprivilegedIdentity nobody = unprivileged_identity();
    return ThreadIds{nobody.uid, nobody.gid, {}};
  }
  std::vector<gid_t> groups = token.groups();
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  return ThreadIds{token.uid(), token.gid(), std::move(groups)};
}

void set_unprivileged_identity(UnprivilegedIdentity ids) noexcept {
  g_unprivileged.store(((std::uint64_t{ids.uid} << 32) | ids.gid) + 1);
}

UnprivilegedIdentity unprivileged_identity() noexcept {
  std::uint64_t packed = g_unprivileged.load();
  if (packed == 0) {
    UnprivilegedIdentity ids{65534, 65534};
    try {
      if (auto uid = nss::uid_by_name("nobody")) ids.uid = *uid;
      if (auto gid = nss::gid_by_name("nogroup")) ids.gid = *gid;
    } catch (...) {
      // NSS failure: keep Debian's 65534/65534.
    }
    std::uint64_t expected = 0;
    g_unprivileged.compare_exchange_strong(expected, ((std::uint64_t{ids.uid} << 32) | ids.gid) + 1);
    packed = g_unprivileged.load();
  }
  packed -= 1;
  return UnprivilegedIdentity{static_cast<uid_t>(packed >> 32), static_cast<gid_t>(packed & 0xFFFFFFFFu)};
}

bool can_switch_ids() noexcept {
  cap_t caps = ::cap_get_proc();
  if (caps == nullptr) return false;
  cap_flag_value_t setuid_flag = CAP_CLEAR;
  cap_flag_value_t setgid_flag = CAP_CLEAR;
  ::cap_get_flag(caps, CAP_SETUID, CAP_EFFECTIVE, &setuid_flag);
  ::cap_get_flag(caps, CAP_SETGID, CAP_EFFECTIVE, &setgid_flag);
  ::cap_free(caps);
  return setuid_flag == CAP_SET && setgid_flag == CAP_SET;
}

void log_impersonation_mode_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Asked at the process identity: an impersonating thread has no effective capabilities.
    ProcessIdentityScope as_process;
    if (can_switch_ids()) {
      log::info("impersonation: kernel-enforced per thread (CAP_SETUID and CAP_SETGID present)");
    } else {
      log::warn(
          "impersonation: this process lacks CAP_SETUID/CAP_SETGID; impersonating any identity but its own "
          "fails closed with CO_E_FAILEDTOIMPERSONATE (spec R27)");
    }
  });
}

Result<ImpersonationScope> impersonate(const Token& token) {
  install_fork_handler_once();
  ThreadState& state = t_state;
  if (state.pinned_by_fork) {
    return Status(StatusCode::kFailedPrecondition,
                  "this process was forked from an impersonating thread; its ids are fixed",
                  CO_E_FAILEDTOIMPERSONATE);
  }
  ThreadView from = current_view(state);
  ThreadView to = view_for(state, thread_ids_for(token));
  // Not read back: the syscalls' success defines the new ids. What user code does to them afterwards
  // is caught when the scope ends, where the restored ids are read back (DESIGN decision 5).
  GUISE_RETURN_IF_ERROR(switch_ids(state, from, to, Verify::kNo));
  if (log::enabled(log::Level::kDebug)) {
    log::debug("impersonate: tid {} now {} as {} ({})", cached_tid(), to.ids.to_string(), token.principal_name(),
               impersonation_level_name(token.level()));
  }
  const std::uint64_t id = open_frame(state, std::move(from), token, std::move(to));
  return ImpersonationScope(id, cached_tid());
}

void ImpersonationScope::revert() noexcept {
  if (frame_id_ == 0) return;
  const std::uint64_t id = std::exchange(frame_id_, 0);
  if (cached_tid() != tid_) {
    GUISE_FATAL("an impersonation scope opened on thread ", tid_, " was ended on thread ", cached_tid());
  }
  ThreadState& state = t_state;
  auto it = std::find_if(state.frames.begin(), state.frames.end(), [id](const Frame& f) { return f.id == id; });
  if (it == state.frames.end()) return;  // already ended by an enclosing scope that ended first
  if (state.pinned_by_fork) {
    // In a child forked while impersonating: ids are permanent; nothing to restore to.
    state.frames.erase(it, state.frames.end());
    return;
  }
  const ThreadView current = state.frames.back().expected;
  const ThreadView target = it->saved;
  Status restored = switch_ids(state, current, target, Verify::kNo);
  if (!restored.ok()) GUISE_FATAL("thread ", current_tid(), " cannot revert: ", restored.to_string());
  // Every revert ends with the kernel's view: a thread that is not exactly what it was before the
  // scope (user code changed its ids and did not put them back) never continues. Inside a call the
  // call's scope reads it back when the call ends, before the reply leaves (spec R24).
  const bool call_reads_back =
      !it->call_scope && std::any_of(state.frames.begin(), it, [](const Frame& f) { return f.call_scope; });
  // A call handed to another thread, with nothing opened or switched here since its scope opened and
  // nothing to restore: the thread that runs it reads itself back at that call's end.
  const bool handed_off = it->handed_off && it + 1 == state.frames.end() && it->changes_at_open == state.changes &&
                          current == target;
  if (!call_reads_back && !handed_off) {
    verify_kernel_ids(target.ids, "is not what it must be after revert (its ids were changed behind guise's back)");
  }
  if (log::enabled(log::Level::kDebug)) log::debug("revert: tid {} now {}", cached_tid(), target.ids.to_string());
  state.frames.erase(it, state.frames.end());
}

void settle_dumpable_flag() noexcept {
  DumpableBook& book = dumpable_book();
  std::lock_guard lock(book.mu);
  if (!book.restore_owed || book.threads_away != 0) return;
  book.restore_owed = false;
  restore_dumpable(book.original);
}

ImpersonationScope ProcessIdentityScope::enter(bool call_scope) {
  install_fork_handler_once();
  ThreadState& state = t_state;
  ThreadView from = current_view(state);
  ThreadView ground = state.ground_view();
  if (!state.pinned_by_fork) {
    Status st = switch_ids(state, from, ground, Verify::kYes);
    if (!st.ok()) GUISE_FATAL("thread ", current_tid(), " cannot return to the process ids: ", st.to_string());
  } else {
    ground = from;
  }
  return ImpersonationScope(open_frame(state, std::move(from), std::nullopt, std::move(ground), call_scope),
                            cached_tid());
}

ThreadGroundScope::ThreadGroundScope() {
  install_fork_handler_once();
  ThreadState& state = t_state;
  if (!state.frames.empty() || state.pinned_by_fork) return;
  ThreadView ground = current_view(state);  // reads the thread's ids and capabilities: they become its ground
  frame_id_ = open_frame(state, ground, std::nullopt, ground);
}

ThreadGroundScope::~ThreadGroundScope() {
  if (frame_id_ == 0) return;
  ThreadState& state = t_state;
  // Outermost by construction; scopes still open above it keep returning to the same ground.
  auto it = std::find_if(state.frames.begin(), state.frames.end(), [this](const Frame& f) { return f.id == frame_id_; });
  if (it != state.frames.end()) state.frames.erase(it);
}

void call_handed_off() noexcept {
  ThreadState& state = t_state;
  if (state.frames.empty() || state.pinned_by_fork) return;
  Frame& call = state.frames.back();
  const ThreadView ground = state.ground_view();
  if (call.call_scope && call.changes_at_open == state.changes && call.saved == ground && call.expected == ground) {
    call.handed_off = true;
  }
}

std::optional<Token> thread_token() {
  const ThreadState& state = t_state;
  // A helper thread the runtime reverted by signal (thread_revert.h) is the process until it next acts.
  if (state.frames.empty() || thread_revoked()) return std::nullopt;
  return state.frames.back().token;
}

bool is_impersonating() {
  const ThreadState& state = t_state;
  return !state.frames.empty() && state.frames.back().token.has_value() && !thread_revoked();
}

Token effective_token() {
  if (auto token = thread_token()) return *std::move(token);
  return Token::process();
}

KernelIds process_kernel_ids() {
  const ThreadState& state = t_state;
  if (state.frames.empty() || state.pinned_by_fork) return KernelIds::of_calling_thread();
  return state.ground;
}

}  // namespace guise::identity
