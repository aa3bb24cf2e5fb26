#include "unix_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "peer.h"

namespace guise::peers {

namespace {

socklen_t make_address(const std::string& address, sockaddr_un& out) {
  out = {};
  out.sun_family = AF_UNIX;
  if (address.empty() || address.size() >= sizeof out.sun_path) fail("bad socket address " + address);
  std::memcpy(out.sun_path, address.data(), address.size());
  if (address[0] == '@') out.sun_path[0] = '\0';  // abstract: no file to clean up
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + (address[0] == '@' ? 0 : 1));
}

}  // namespace

int listen_unix(const std::string& address, int flags) {
  sockaddr_un addr;
  const socklen_t length = make_address(address, addr);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
  if (address[0] != '@') ::unlink(address.c_str());
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), length) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    fail("listen on " + address + ": " + std::strerror(errno));
  }
  return fd;
}

int connect_unix(const std::string& address) {
  sockaddr_un addr;
  const socklen_t length = make_address(address, addr);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), length) != 0) {
    fail("connect to " + address + ": " + std::strerror(errno));
  }
  return fd;
}

bool read_all(int fd, std::byte* data, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, data + got, size - got);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, const std::byte* data, std::size_t size) {
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace guise::peers
