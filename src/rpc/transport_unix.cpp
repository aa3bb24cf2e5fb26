// transport_unix.cpp: ncalrpc endpoints as AF_UNIX stream sockets (filesystem and abstract).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "rpc/transport.h"

namespace guise::rpc {
namespace detail {

Result<socklen_t> unix_address(const std::string& endpoint, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (endpoint.size() >= sizeof addr.sun_path) return invalid_input("ncalrpc endpoint too long: " + endpoint);
  std::memcpy(addr.sun_path, endpoint.data(), endpoint.size());
  if (endpoint[0] == '@') {
    addr.sun_path[0] = '\0';  // abstract namespace: no file, length counts exactly the name
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + endpoint.size());
  }
  return static_cast<socklen_t>(sizeof addr);
}

Result<ListeningSocket> listen_unix(const StringBinding& binding, unsigned mode) {
  sockaddr_un addr;
  GUISE_TRY(socklen_t len, unix_address(binding.endpoint, addr));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return unavailable(std::string("socket(AF_UNIX): ") + std::strerror(errno));
  ListeningSocket out;
  if (binding.endpoint[0] == '/') {
    struct stat st {};
    if (::lstat(binding.endpoint.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return invalid_input("ncalrpc endpoint exists and is not a socket: " + binding.endpoint);
      }
      ::unlink(binding.endpoint.c_str());  // a stale socket from a previous run
    }
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    return unavailable("bind " + binding.endpoint + ": " + std::strerror(errno));
  }
  if (binding.endpoint[0] == '/') {
    out.unlink_path = binding.endpoint;
    if (::chmod(binding.endpoint.c_str(), mode) != 0) {
      ::unlink(binding.endpoint.c_str());
      return unavailable("chmod " + binding.endpoint + ": " + std::strerror(errno));
    }
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) {
    if (!out.unlink_path.empty()) ::unlink(out.unlink_path.c_str());
    return unavailable(std::string("listen: ") + std::strerror(errno));
  }
  out.fd = std::move(fd);
  out.bound = binding;
  return out;
}

Result<UniqueFd> connect_unix(const StringBinding& binding) {
  sockaddr_un addr;
  GUISE_TRY(socklen_t len, unix_address(binding.endpoint, addr));
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return unavailable(std::string("socket(AF_UNIX): ") + std::strerror(errno));
  while (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno == EINTR) continue;
    int e = errno;
    if (e == EACCES || e == EPERM) {
      return access_denied("connect " + binding.endpoint + ": " + std::strerror(e));
    }
    return unavailable("connect " + binding.endpoint + ": " + std::strerror(e));
  }
  return fd;
}

}  // namespace detail
}  // namespace guise::rpc
