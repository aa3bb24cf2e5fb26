// Raw capget/capset and the ambient prctls: each acts on the calling thread only.
#include "identity/thread_capabilities.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "base/assert.h"

namespace guise::identity {
namespace {

constexpr int kCapabilityCount = 64;  // the sets are 64 bits wide (capability version 3)

struct RawSets {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};  // pid 0: the calling thread
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
};

std::uint64_t join(std::uint32_t low, std::uint32_t high) { return (std::uint64_t{high} << 32) | low; }

int set_sets(std::uint64_t effective, std::uint64_t permitted, std::uint64_t inheritable) noexcept {
  RawSets sets;
  for (int i = 0; i < 2; ++i) {
    sets.data[i].effective = static_cast<std::uint32_t>(effective >> (32 * i));
    sets.data[i].permitted = static_cast<std::uint32_t>(permitted >> (32 * i));
    sets.data[i].inheritable = static_cast<std::uint32_t>(inheritable >> (32 * i));
  }
  return ::syscall(SYS_capset, &sets.header, sets.data) == 0 ? 0 : errno;
}

}  // namespace

ThreadCapabilities ThreadCapabilities::of_calling_thread() {
  RawSets sets;
  GUISE_ASSERT(::syscall(SYS_capget, &sets.header, sets.data) == 0, "capget failed: ", errno);
  ThreadCapabilities caps;
  caps.effective = join(sets.data[0].effective, sets.data[1].effective);
  caps.permitted = join(sets.data[0].permitted, sets.data[1].permitted);
  caps.inheritable = join(sets.data[0].inheritable, sets.data[1].inheritable);
  const int securebits = ::prctl(PR_GET_SECUREBITS);
  caps.no_setuid_fixup = securebits >= 0 && (securebits & SECBIT_NO_SETUID_FIXUP) != 0;
  // The kernel keeps ambient ⊆ permitted ∩ inheritable: only those bits can be set.
  const std::uint64_t candidates = caps.permitted & caps.inheritable;
  for (int cap = 0; cap < kCapabilityCount && (candidates >> cap) != 0; ++cap) {
    if (((candidates >> cap) & 1) != 0 && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1) {
      caps.ambient |= std::uint64_t{1} << cap;
    }
  }
  return caps;
}

int drop_effective_and_ambient(const ThreadCapabilities& current) noexcept {
  if (current.ambient != 0 && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return errno;
  if (current.effective != 0) return set_sets(0, current.permitted, current.inheritable);
  return 0;
}

int restore_effective_and_ambient(const ThreadCapabilities& saved, std::uint64_t effective_now,
                                  bool ambient_dropped) noexcept {
  if (saved.effective != effective_now) {
    if (int error = set_sets(saved.effective, saved.permitted, saved.inheritable); error != 0) return error;
  }
  if (!ambient_dropped) return 0;
  for (int cap = 0; cap < kCapabilityCount && (saved.ambient >> cap) != 0; ++cap) {
    if (((saved.ambient >> cap) & 1) != 0 && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
      return errno;
    }
  }
  return 0;
}

int drop_all_capabilities() noexcept {
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return errno;
  return set_sets(0, 0, 0);
}

}  // namespace guise::identity
