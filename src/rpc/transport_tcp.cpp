// transport_tcp.cpp: ncacn_ip_tcp endpoints (IPv4/IPv6 numeric or resolvable addresses).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "rpc/transport.h"

namespace guise::rpc {
namespace detail {
namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const noexcept { ::freeaddrinfo(ai); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

Result<AddrInfoPtr> resolve(const StringBinding& b, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* out = nullptr;
  int rc = ::getaddrinfo(b.network_address.c_str(), b.endpoint.c_str(), &hints, &out);
  if (rc != 0) return unavailable("resolve " + b.network_address + ": " + ::gai_strerror(rc));
  return AddrInfoPtr(out);
}

void set_nodelay(int fd) {
  int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // latency over batching
}

}  // namespace

Result<ListeningSocket> listen_tcp(const StringBinding& binding) {
  GUISE_TRY(AddrInfoPtr ai, resolve(binding, true));
  UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return unavailable(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
    return unavailable("bind " + binding.to_string() + ": " + std::strerror(errno));
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) return unavailable(std::string("listen: ") + std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  unsigned port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                               : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  ListeningSocket out;
  out.fd = std::move(fd);
  out.bound = binding;
  out.bound.endpoint = std::to_string(port);
  return out;
}

Result<UniqueFd> connect_tcp(const StringBinding& binding) {
  GUISE_TRY(AddrInfoPtr ai, resolve(binding, false));
  int last_errno = ECONNREFUSED;
  for (addrinfo* p = ai.get(); p != nullptr; p = p->ai_next) {
    UniqueFd fd(::socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, 0));
    if (!fd) continue;
    int rc;
    while ((rc = ::connect(fd.get(), p->ai_addr, p->ai_addrlen)) != 0 && errno == EINTR) {
    }
    if (rc == 0) {
      set_nodelay(fd.get());
      return fd;
    }
    last_errno = errno;
  }
  return unavailable("connect " + binding.to_string() + ": " + std::strerror(last_errno));
}

void configure_accepted_tcp(int fd) { set_nodelay(fd); }

}  // namespace detail

std::string describe_tcp_peer(int fd) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return "unknown peer";
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (peer.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (peer.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&peer);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace guise::rpc
