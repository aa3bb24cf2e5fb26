// Fuzzes a whole server association: the input is a byte stream a client sends on an ncalrpc
// connection (socketpair, so the kernel attests the peer), fed through the real ServerConnection —
// framing, decoding, bind/alter_context negotiation, the local provider, reassembly, dispatch to a
// registered interface and fault generation — until the association closes or the bytes run out.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/log.h"
#include "identity/peer_credentials.h"
#include "rpc/detail/server_connection.h"
#include "rpc/server.h"

using namespace guise;
using namespace guise::rpc;

namespace {

constexpr rpc::InterfaceId kIface = {
    {0x12345678, 0x1234, 0xabcd, {0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab}}, 1, 0};

Server& server() {
  static Server* s = [] {
    ServerOptions options;
    log::set_level(log::Level::kOff);  // refusals are expected here; keep the fuzzer fast
    options.threads = 1;
    options.limits.write_timeout = std::chrono::milliseconds(50);
    options.limits.max_call_bytes = 1 << 16;
    auto* created = new Server(options);
    InterfaceRegistration iface{kIface, "fuzz", {}};
    iface.ops.push_back([](ServerCall&, std::span<const std::byte> in, std::vector<std::byte>& out) {
      out.assign(in.begin(), in.end());
      return Status::Ok();
    });
    iface.ops.push_back([](ServerCall& call, std::span<const std::byte>, std::vector<std::byte>&) {
      return call.impersonate_client();  // may be refused; the scope must end clean either way
    });
    iface.ops.push_back([](ServerCall&, std::span<const std::byte>, std::vector<std::byte>&) {
      return invalid_input("bad stub");
    });
    if (!created->register_interface(iface).ok()) __builtin_trap();
    return created;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) return 0;
  UniqueFd client(fds[0]);
  UniqueFd server_end(fds[1]);
  std::size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(client.get(), data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(client.get(), SHUT_WR);
  TransportPeer peer;
  auto credentials = identity::PeerCredentials::from_socket(server_end.get());
  if (credentials.ok()) peer.credentials = std::move(credentials).value();
  peer.description = "fuzz";
  rpc::detail::ServerConnection connection(server(), std::move(server_end), peer, "fuzz");
  char sink[65536];
  for (int i = 0; i < 4096; ++i) {
    if (connection.on_readable() == rpc::detail::ServerConnection::Outcome::kClose) break;
    while (::recv(client.get(), sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
  }
  return 0;
}
