// target.h: what a guisectl TARGET argument names, resolved to an endpoint to call and the identity
// the kernel must show there. A TARGET is a CLSID (looked up in the class directory with the runtime's
// own trust checks; the entry's owner becomes the uid the endpoint must have), an ncalrpc string
// binding or bare endpoint ("@name", "/path"), or a process id (its listening sockets, one of which
// must be served by that very process). Thread-safety: functions only read the filesystem and kernel.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "base/status.h"
#include "rpc/string_binding.h"

namespace guisectl {

struct Target {
  guise::rpc::StringBinding binding;
  std::optional<uid_t> expected_uid;  // a class entry's owner
  std::optional<pid_t> expected_pid;  // a pid given as TARGET
  std::string kind;                   // "clsid", "endpoint" or "pid"
};

// Errors: kInvalidInput (unparsable), kNotFound (no such class or process, no endpoint), kAccessDenied
// (a class entry that fails a trust check, or a process whose descriptors cannot be read).
[[nodiscard]] guise::Result<Target> resolve_target(const std::string& text);

// The ncalrpc endpoint process `pid` serves COM on (a listening socket whose SO_PEERCRED pid is `pid`,
// "@guise-com-" names preferred). kNotFound when it has none.
[[nodiscard]] guise::Result<Target> target_for_pid(pid_t pid);

}  // namespace guisectl
