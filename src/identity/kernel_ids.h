// kernel_ids.h: the calling thread's credentials as the kernel holds them.
//
// KernelIds is read with raw getresuid/getresgid/getgroups, which report the *calling thread's*
// credentials (Linux keeps credentials per thread). It is what impersonation checks itself against
// and what tests compare with /proc/self/task/TID/status. Groups are sorted, as the kernel keeps them.
// Values: thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace guise::identity {

struct KernelIds {
  uid_t ruid = 0, euid = 0, suid = 0;
  gid_t rgid = 0, egid = 0, sgid = 0;
  std::vector<gid_t> groups;  // sorted ascending

  static KernelIds of_calling_thread();
  // "uid r=0 e=0 s=0 gid r=0 e=0 s=0 groups [0]"
  std::string to_string() const;
  friend bool operator==(const KernelIds&, const KernelIds&) = default;
};

// The calling thread's kernel thread id (what /proc/self/task/<tid> names).
pid_t current_tid() noexcept;

}  // namespace guise::identity
