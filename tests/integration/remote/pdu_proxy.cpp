#include "integration/remote/pdu_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace guise::rpc::testing {
namespace {

std::uint16_t u16(const Pdu& p, std::size_t at) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[at]) | (std::to_integer<unsigned>(p[at + 1]) << 8));
}

void put16(Pdu& p, std::size_t at, std::uint16_t v) {
  p[at] = std::byte{static_cast<std::uint8_t>(v)};
  p[at + 1] = std::byte{static_cast<std::uint8_t>(v >> 8)};
}

bool send_all(int fd, const Pdu& p) {
  std::size_t sent = 0;
  while (sent < p.size()) {
    ssize_t n = ::send(fd, p.data() + sent, p.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Cuts complete PDUs off the front of `buffer`.
std::vector<Pdu> take_pdus(Pdu& buffer) {
  std::vector<Pdu> out;
  while (buffer.size() >= 16) {
    std::size_t len = u16(buffer, 8);
    if (len < 16 || buffer.size() < len) break;
    out.emplace_back(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(len));
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(len));
  }
  return out;
}

}  // namespace

std::uint32_t fault_status_of(const Pdu& p) {
  if (p.size() < 28 || pdu_type(p) != 3) return 0;
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint32_t>(p[24 + static_cast<std::size_t>(i)]);
  return v;
}

Pdu strip_verifier(const Pdu& p) {
  const std::size_t auth_length = u16(p, 10);
  if (auth_length == 0) return p;
  const std::size_t trailer = p.size() - auth_length - 8;
  const std::size_t pad = std::to_integer<std::size_t>(p[trailer + 2]);
  Pdu out(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(trailer - pad));
  put16(out, 8, static_cast<std::uint16_t>(out.size()));
  put16(out, 10, 0);
  return out;
}

PduProxy::PduProxy(int server_port, Mutation to_server, Mutation to_client)
    : server_port_(server_port), to_server_(std::move(to_server)), to_client_(std::move(to_client)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(listener_, 4);
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { run(); });
}

PduProxy::~PduProxy() {
  stop_ = true;
  thread_.join();
  ::close(listener_);
}

std::vector<Pdu> PduProxy::from_server() {
  std::lock_guard lock(mu_);
  return from_server_;
}

void PduProxy::run() {
  while (!stop_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(server_port_));
    if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) relay(client, server);
    ::close(server);
    ::close(client);
  }
}

void PduProxy::relay(int client, int server) {
  Pdu up, down;
  int up_index = 0, down_index = 0;
  // A side that stops taking bytes must not end the relay: the server refuses an altered request
  // with a fault and closes, possibly before the proxy has finished sending it what the mutation
  // produced, and that fault still has to be read, recorded and delivered. So the relay ends only
  // when the server's side is finished (EOF or error: everything it sent has been recorded and
  // forwarded), the proxy stops, or nothing moves for 10 s.
  bool client_readable = true, server_writable = true, client_writable = true;
  for (int idle = 0; !stop_ && idle < 200;) {
    pollfd fds[2] = {{client_readable ? client : -1, POLLIN, 0}, {server, POLLIN, 0}};
    int rc = ::poll(fds, 2, 50);
    if (rc <= 0) {
      ++idle;
      continue;
    }
    idle = 0;
    std::byte buf[65536];
    for (int side = 0; side < 2; ++side) {
      if (!(fds[side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::recv(fds[side].fd, buf, sizeof buf, 0);
      if (n <= 0) {
        if (side == 1) return;  // the server is done
        client_readable = false;
        ::shutdown(server, SHUT_WR);
        continue;
      }
      Pdu& pending = side == 0 ? up : down;
      pending.insert(pending.end(), buf, buf + n);
      for (Pdu& pdu : take_pdus(pending)) {
        if (side == 1) {
          std::lock_guard lock(mu_);
          from_server_.push_back(pdu);
        }
        const Mutation& m = side == 0 ? to_server_ : to_client_;
        std::vector<Pdu> out = m ? m(side == 0 ? up_index++ : down_index++, pdu) : std::vector<Pdu>{pdu};
        bool& writable = side == 0 ? server_writable : client_writable;
        for (const Pdu& o : out) {
          if (writable && !send_all(side == 0 ? server : client, o)) writable = false;
        }
      }
    }
  }
}

}  // namespace guise::rpc::testing
