// transport.h: sockets for ncalrpc (AF_UNIX stream) and ncacn_ip_tcp, and blocking-safe I/O helpers.
//
// listen_on() creates a non-blocking listening socket for a string binding (a filesystem ncalrpc
// endpoint replaces a stale socket file, never any other kind of file, and is chmod'ed to `mode` so
// impersonating threads of other users can connect); connect_to() opens a blocking client socket.
// The connecting thread's credentials are what the server's kernel records (SO_PEERCRED), which is
// how a thread presents its current identity. send_all() writes scatter lists with MSG_NOSIGNAL and
// waits for room until a deadline (none: as long as it takes). Thread-safety: functions on fds the
// caller owns.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "base/status.h"
#include "base/unique_fd.h"
#include "rpc/string_binding.h"

namespace guise::rpc {

struct ListeningSocket {
  UniqueFd fd;
  StringBinding bound;      // with the real port for ncacn_ip_tcp port 0
  std::string unlink_path;  // filesystem socket to remove when the listener closes ("" for none)
};

[[nodiscard]] Result<ListeningSocket> listen_on(const StringBinding& binding, unsigned mode = 0666);
[[nodiscard]] Result<UniqueFd> connect_to(const StringBinding& binding);

// Writes every byte of `iov` (the array is modified as it goes). kUnavailable when the peer is gone,
// kDeadlineExceeded when the bytes are not all written by `deadline` — one deadline for everything,
// however often the peer reads a little. With a deadline the socket is never blocked in; the wait
// is a poll, and `before_waiting` (if set) runs before each one (the server uses it to make sure
// someone else watches its reactor while this thread waits for a slow reader).
using SendDeadline = std::optional<std::chrono::steady_clock::time_point>;
[[nodiscard]] Status send_all(int fd, std::span<iovec> iov, SendDeadline deadline,
                              const std::function<void()>& before_waiting = {});

// "uid 1000 pid 42" or "127.0.0.1:5555" — who a connection is, for log lines.
std::string describe_tcp_peer(int fd);

}  // namespace guise::rpc
