#include "identity/kernel_ids.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/assert.h"

namespace guise::identity {

KernelIds KernelIds::of_calling_thread() {
  // Raw syscalls: these report the calling thread's own credentials.
  KernelIds ids;
  GUISE_ASSERT(::syscall(SYS_getresuid, &ids.ruid, &ids.euid, &ids.suid) == 0, "getresuid failed");
  GUISE_ASSERT(::syscall(SYS_getresgid, &ids.rgid, &ids.egid, &ids.sgid) == 0, "getresgid failed");
  gid_t inline_groups[64];
  long n = ::syscall(SYS_getgroups, 64, inline_groups);
  if (n >= 0) {
    ids.groups.assign(inline_groups, inline_groups + n);
  } else {
    n = ::syscall(SYS_getgroups, 0, nullptr);
    GUISE_ASSERT(n >= 0, "getgroups failed");
    ids.groups.resize(static_cast<std::size_t>(n));
    n = ::syscall(SYS_getgroups, static_cast<int>(ids.groups.size()), ids.groups.data());
    GUISE_ASSERT(n >= 0, "getgroups failed");
    ids.groups.resize(static_cast<std::size_t>(n));
  }
  std::sort(ids.groups.begin(), ids.groups.end());
  return ids;
}

std::string KernelIds::to_string() const {
  return fmt::format("uid r={} e={} s={} gid r={} e={} s={} groups [{}]", ruid, euid, suid, rgid, egid, sgid,
                     fmt::join(groups, ","));
}

pid_t current_tid() noexcept { return static_cast<pid_t>(::syscall(SYS_gettid)); }

}  // namespace guise::identity
