// transport.cpp: choosing the socket family for a binding, and the shared write loop.
#include "rpc/transport.h"

#include <poll.h>
#include <sys/socket.h>

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

Status send_all(int fd, std::span<iovec> iov, std::chrono::milliseconds timeout) {
  std::size_t first = 0;
  while (first < iov.size()) {
    msghdr msg{};
    msg.msg_iov = iov.data() + first;
    msg.msg_iovlen = iov.size() - first;
    // With a timeout, never block inside sendmsg (the wait is the poll below, bounded); without
    // one, a blocking socket may block here.
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | (timeout.count() >= 0 ? MSG_DONTWAIT : 0));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{fd, POLLOUT, 0};
        int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (rc == 0) return Status(StatusCode::kDeadlineExceeded, "peer does not read (write timeout)");
        if (rc < 0 && errno != EINTR) return unavailable(std::string("poll: ") + std::strerror(errno));
        continue;
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
