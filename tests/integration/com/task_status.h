// task_status.h: a thread's ids as the kernel reports them in /proc/<pid>/task/<tid>/status (tests only)
// — how the call-security tests observe impersonation from inside and outside the server.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace guise::com::testing {

struct TaskIds {
  std::string uid;     // "r e s fs", as the Uid: line
  std::string gid;     // "r e s fs", as the Gid: line
  std::string groups;  // the Groups: line, comma-separated ("" for none)
};

// Thread `tid` of process `pid` (0: this process); nullopt when the thread is gone.
std::optional<TaskIds> read_task_ids(pid_t pid, long tid);

}  // namespace guise::com::testing
