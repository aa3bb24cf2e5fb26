// kernel_view.h: what the kernel says about a guise endpoint or process, read by guisectl itself —
// SO_PEERCRED of a connection to an endpoint, the listening AF_UNIX sockets a process holds, and a
// thread's Uid:/Gid: lines in /proc. guisectl reports these next to what a server claims, so a reader
// can tell the two apart. Thread-safety: functions only read the kernel.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "rpc/string_binding.h"

namespace guisectl {

struct PeerCred {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Connects to an ncalrpc endpoint and reads SO_PEERCRED. kUnavailable when nothing listens (stale),
// kInvalidInput for a TCP binding (nothing to attest).
[[nodiscard]] guise::Result<PeerCred> endpoint_peer(const guise::rpc::StringBinding& binding);

// The listening AF_UNIX sockets process `pid` holds, as ncalrpc string bindings ("ncalrpc:[@...]").
// kNotFound when the process does not exist; kAccessDenied when its descriptors cannot be read.
[[nodiscard]] guise::Result<std::vector<std::string>> listening_endpoints(pid_t pid);

// The four ids of a "Uid:"/"Gid:" line of /proc/<pid>/task/<tid>/status (real, effective, saved, fs),
// or nullopt when the thread is gone.
struct TaskIds {
  std::vector<long> uid;
  std::vector<long> gid;
};
std::optional<TaskIds> task_ids(pid_t pid, pid_t tid);

// /proc/<pid>/comm without its newline, "-" when unreadable.
std::string process_name(pid_t pid);

}  // namespace guisectl
