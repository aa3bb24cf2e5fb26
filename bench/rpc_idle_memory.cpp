// What an idle bound connection costs a server in user memory, next to a raw epoll server, in one run.
//
// Each server runs in its own forked process. The parent opens N AF_UNIX connections to it; on the
// guise server each is bound (a bind with the local security provider at CONNECT, as a COM client's
// connection is) and then silent; the raw server is one epoll thread keeping a small record per
// accepted socket. Before and after, the server reports its heap in use (mallinfo2: uordblks +
// hblkhd) and its VmRSS; the table gives both per connection. Kernel memory (socket buffers, epoll
// items, the pidfd) is not user memory and is not counted.
//
//   build/release/bench/rpc_idle_memory [--connections N]
#include <malloc.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "rpc/local_security.h"
#include "rpc/pdu.h"
#include "rpc/server.h"
#include "rpc/string_binding.h"
#include "rpc/transport.h"

namespace {

constexpr guise::rpc::InterfaceId kNullInterface = {
    {0x5e1f7a01, 0x3b2c, 0x4d1e, {0x9f, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}}, 1, 0};

struct Usage {
  long heap = 0;
  long rss = 0;
  long connections = 0;
};

long rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6) * 1024;
  }
  return -1;
}

long heap_bytes() {
  struct mallinfo2 m = ::mallinfo2();
  return static_cast<long>(m.uordblks + m.hblkhd);
}

// A server child: answers "m" on its command pipe with its usage, exits when the pipe closes.
struct Child {
  pid_t pid = -1;
  int command = -1;
  int reply = -1;
  Usage measure() const {
    if (::write(command, "m", 1) != 1) std::abort();
    Usage u;
    if (::read(reply, &u, sizeof u) != static_cast<ssize_t>(sizeof u)) std::abort();
    return u;
  }
  void stop() {
    ::close(command);
    ::close(reply);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
};

Child start_child(const std::function<void(int command, int reply)>& body) {
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) std::abort();
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    body(to_child[0], from_child[1]);
    ::_exit(0);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  c.command = to_child[1];
  c.reply = from_child[0];
  return c;
}

void serve_commands(int command, int reply, const std::function<long()>& connections) {
  char c;
  while (::read(command, &c, 1) == 1) {
    ::malloc_trim(0);
    Usage u{heap_bytes(), rss_bytes(), connections()};
    if (::write(reply, &u, sizeof u) != static_cast<ssize_t>(sizeof u)) return;
  }
}

void guise_server(int command, int reply, const std::string& binding) {
  guise::rpc::ServerOptions options;
  options.threads = 2;
  options.limits.max_connections = 1 << 20;
  options.limits.max_connections_per_peer = 1 << 20;
  guise::rpc::Server server(options);
  guise::rpc::InterfaceRegistration null_iface{kNullInterface, "null", {}};
  null_iface.ops.push_back([](guise::rpc::ServerCall&, std::span<const std::byte>, std::vector<std::byte>&) {
    return guise::Status::Ok();
  });
  if (!server.register_interface(null_iface).ok() || !server.listen(binding).ok() || !server.start().ok()) {
    std::fprintf(stderr, "guise server failed to start\n");
    ::_exit(1);
  }
  serve_commands(command, reply, [&] { return static_cast<long>(server.connection_count()); });
  server.stop();
}

// The baseline: what any epoll server must keep per connection, and no more.
struct RawConnection {
  int fd;
  std::uint32_t state;
};

void raw_server(int command, int reply, const std::string& path) {
  int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, path.data(), path.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + path.size());
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listener, SOMAXCONN) != 0) {
    std::abort();
  }
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, std::unique_ptr<RawConnection>> connections;
  std::atomic<long> count{0};
  std::thread loop([&] {
    for (;;) {
      epoll_event e{};
      if (::epoll_wait(ep, &e, 1, -1) != 1) continue;
      if (e.data.ptr == nullptr) {
        for (;;) {
          int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          auto c = std::make_unique<RawConnection>(RawConnection{fd, 0});
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.ptr = c.get();
          ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
          connections.emplace(fd, std::move(c));
          count.fetch_add(1);
        }
      } else {
        auto* c = static_cast<RawConnection*>(e.data.ptr);
        char sink[4096];
        while (::recv(c->fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
        }
      }
    }
  });
  loop.detach();
  serve_commands(command, reply, [&] { return count.load(); });
  ::_exit(0);
}

std::vector<std::byte> bind_bytes() {
  using namespace guise::rpc;
  BindPdu b;
  b.header.type = PType::kBind;
  b.header.flags = kPfcFirstFrag | kPfcLastFrag;
  b.header.call_id = 1;
  b.max_xmit_frag = b.max_recv_frag = 4280;
  b.contexts.push_back({0, kNullInterface, {kNdr20Syntax}});
  b.auth = make_local_auth_request(AuthnLevel::kConnect, guise::identity::ImpersonationLevel::kIdentify, 0, 0);
  return encode_bind(b);
}

int connect_abstract(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, path.data(), path.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) return fd;  // the child listens already
  std::perror("connect");
  std::abort();
}

// Opens n connections, sends each a bind; waits for each bind_ack when `answered`.
std::vector<int> open_connections(const std::string& path, int n, bool answered) {
  const auto bind = bind_bytes();
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = connect_abstract(path);
    if (::send(fd, bind.data(), bind.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bind.size())) std::abort();
    if (answered) {
      std::byte answer[1024];
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) != 1 || ::recv(fd, answer, sizeof answer, 0) <= 0 || answer[2] != std::byte{12}) {
        std::fprintf(stderr, "connection %d was not bound\n", i);
        std::abort();
      }
    }
    fds.push_back(fd);
  }
  return fds;
}

struct Row {
  const char* name;
  Usage before;
  Usage after;
};

Row measure(const char* name, Child child, const std::string& path, int n, bool answered) {
  (void)child.measure();  // answered only once the child listens: no connecting before it is ready
  (void)open_connections(path, 1, answered);  // warm: the server's threads and buffers exist
  Row row{name, child.measure(), {}};
  auto fds = open_connections(path, n, answered);
  for (int i = 0; i < 1000; ++i) {  // bounded: until the server has accepted them all
    row.after = child.measure();
    if (row.after.connections >= row.before.connections + n) break;
    std::this_thread::yield();
  }
  child.stop();
  for (int fd : fds) ::close(fd);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 2000;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--connections") == 0) n = std::atoi(argv[i + 1]);
  }
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &nofile);  // children inherit it
  const std::string tag = std::to_string(::getpid());
  const std::string guise_path = "guise-idle-memory-" + tag;
  const std::string raw_path = "guise-idle-memory-raw-" + tag;
  Row guise = measure("guise Server, bound (local security, CONNECT)",
                      start_child([&](int c, int r) { guise_server(c, r, "ncalrpc:[@" + guise_path + "]"); }),
                      guise_path, n, true);
  Row raw = measure("raw epoll server", start_child([&](int c, int r) { raw_server(c, r, raw_path); }), raw_path, n,
                    false);
  std::printf("%d idle connections per server\n\n", n);
  std::printf("| server | heap per connection | RSS per connection |\n|---|---|---|\n");
  for (const Row& row : {guise, raw}) {
    const long count = row.after.connections - row.before.connections;
    if (count <= 0) {
      std::printf("| %s | no connections accepted | |\n", row.name);
      continue;
    }
    std::printf("| %s | %ld B | %ld B |\n", row.name, (row.after.heap - row.before.heap) / count,
                (row.after.rss - row.before.rss) / count);
  }
  return 0;
}
