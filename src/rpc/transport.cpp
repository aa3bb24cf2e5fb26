// transport.cpp: choosing the socket family for a binding, and the shared write loop.
#include "rpc/transport.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace guise::rpc {
namespace detail {
Result<ListeningSocket> listen_unix(const StringBinding& binding, unsigned mode);
Result<UniqueFd> connect_unix(const StringBinding& binding);
Result<ListeningSocket> listen_tcp(const StringBinding& binding);
Result<UniqueFd> connect_tcp(const StringBinding& binding);
}  // namespace detail

Result<ListeningSocket> listen_on(const StringBinding& binding, unsigned mode) {
  return binding.is_local() ? detail::listen_unix(binding, mode) : detail::listen_tcp(binding);
}

Result<UniqueFd> connect_to(const StringBinding& binding) {
  return binding.is_local() ? detail::connect_unix(binding) : detail::connect_tcp(binding);
}

Status send_all(int fd, std::span<iovec> iov, SendDeadline deadline, const std::function<void()>& before_waiting) {
  std::size_t first = 0;
  while (first < iov.size()) {
    msghdr msg{};
    msg.msg_iov = iov.data() + first;
    msg.msg_iovlen = iov.size() - first;
    // With a deadline, never block inside sendmsg (the wait is the poll below, bounded); without
    // one, a blocking socket may block here.
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | (deadline ? MSG_DONTWAIT : 0));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        int wait_ms = -1;
        if (deadline) {
          const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
          if (left.count() <= 0) return Status(StatusCode::kDeadlineExceeded, "peer does not read (write deadline)");
          wait_ms = static_cast<int>(std::min<std::int64_t>(left.count(), 1'000'000));
        }
        if (before_waiting) before_waiting();
        pollfd p{fd, POLLOUT, 0};
        int rc = ::poll(&p, 1, wait_ms);
        if (rc < 0 && errno != EINTR) return unavailable(std::string("poll: ") + std::strerror(errno));
        continue;  // rc == 0: the deadline is checked again above
      }
      return unavailable(std::string("send: ") + std::strerror(errno));
    }
    auto left = static_cast<std::size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (first < iov.size()) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

}  // namespace guise::rpc
