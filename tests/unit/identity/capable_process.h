// capable_process.h: turn a test's child process into a non-root server holding capabilities (tests only).
#pragma once

#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace guise::identity {

inline constexpr uid_t kServerUid = 41050;
inline constexpr unsigned long long kHeld =
    (1ull << CAP_SETUID) | (1ull << CAP_SETGID) | (1ull << CAP_DAC_READ_SEARCH);

// In a (single-threaded) child: becomes uid/gid 41050 with no groups, holding CAP_SETUID, CAP_SETGID
// and CAP_DAC_READ_SEARCH as effective, permitted and inheritable, and CAP_DAC_READ_SEARCH as ambient —
// what a non-root server started with file or ambient capabilities has. 0, or a failure code ≥ 20.
inline int become_capable_non_root() {
  if (::prctl(PR_SET_KEEPCAPS, 1) != 0 || ::setgroups(0, nullptr) != 0 ||
      ::setresgid(kServerUid, kServerUid, kServerUid) != 0 || ::setresuid(kServerUid, kServerUid, kServerUid) != 0) {
    return 20;
  }
  cap_t caps = ::cap_init();
  const cap_value_t held[] = {CAP_SETUID, CAP_SETGID, CAP_DAC_READ_SEARCH};
  for (cap_flag_t flag : {CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE}) ::cap_set_flag(caps, flag, 3, held, CAP_SET);
  const bool set = ::cap_set_proc(caps) == 0;
  ::cap_free(caps);
  if (!set || ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_READ_SEARCH, 0, 0) != 0) return 21;
  return 0;
}

}  // namespace guise::identity
