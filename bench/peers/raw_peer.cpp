// The baseline: 100 octets written on an AF_UNIX stream socket and 100 read back. Serving calls, a
// thread per connection blocked in read() (the least any server can do per call); serving idle
// connections, one epoll thread keeping a small record per socket (the least any server can keep).
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <thread>
#include <unordered_map>

#include "peer.h"
#include "unix_socket.h"

namespace {

using guise::peers::kPayload;

void echo_connection(int fd) {
  std::array<std::byte, kPayload> buffer;
  while (guise::peers::read_all(fd, buffer.data(), kPayload) && guise::peers::write_all(fd, buffer.data(), kPayload)) {
  }
  ::close(fd);
}

void serve_threads(int listener) {
  std::thread([listener] {
    for (;;) {
      const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::thread(echo_connection, fd).detach();
    }
  }).detach();
}

struct Record {
  int fd;
  std::size_t filled;
  std::array<std::byte, kPayload> buffer;
};

// One epoll thread; a connection echoes once its kPayload octets are in.
void serve_epoll(int listener) {
  std::thread([listener] {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    std::unordered_map<int, std::unique_ptr<Record>> records;
    for (;;) {
      epoll_event e{};
      if (::epoll_wait(ep, &e, 1, -1) != 1) continue;
      if (e.data.ptr == nullptr) {
        for (;;) {
          const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          auto record = std::make_unique<Record>(Record{fd, 0, {}});
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.ptr = record.get();
          ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
          records.emplace(fd, std::move(record));
        }
        continue;
      }
      auto* r = static_cast<Record*>(e.data.ptr);
      const ssize_t n = ::recv(r->fd, r->buffer.data() + r->filled, kPayload - r->filled, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN)) {
        const int fd = r->fd;
        ::close(fd);
        records.erase(fd);
        continue;
      }
      if (n > 0) r->filled += static_cast<std::size_t>(n);
      if (r->filled == kPayload) {
        (void)::send(r->fd, r->buffer.data(), kPayload, MSG_NOSIGNAL | MSG_DONTWAIT);
        r->filled = 0;
      }
    }
  }).detach();
}

class RawConnection final : public guise::peers::Connection {
 public:
  explicit RawConnection(const std::string& address) : fd_(guise::peers::connect_unix(address)) {}
  ~RawConnection() override { ::close(fd_); }
  void call(const std::byte* request, std::byte* reply) override {
    if (!guise::peers::write_all(fd_, request, kPayload) || !guise::peers::read_all(fd_, reply, kPayload)) {
      guise::peers::fail("raw: the server closed the connection");
    }
  }

 private:
  int fd_;
};

}  // namespace

int main(int argc, char** argv) {
  guise::peers::Peer peer;
  peer.serve = [](const std::string& address, bool idle) {
    const int listener = guise::peers::listen_unix(address, idle ? SOCK_NONBLOCK : 0);
    if (idle) {
      serve_epoll(listener);
    } else {
      serve_threads(listener);
    }
    return address;
  };
  peer.connect = [](const std::string& address) -> std::unique_ptr<guise::peers::Connection> {
    return std::make_unique<RawConnection>(address);
  };
  return guise::peers::peer_main(argc, argv, peer);
}
