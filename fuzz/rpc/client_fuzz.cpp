// Fuzzes the client side of an association against an arbitrary server: the input is everything a
// "server" sends (bind_ack or bind_nak, responses, faults, shutdown, in any fragmentation), already
// queued on a socketpair; the client binds with the local verifier and makes two calls (the second
// on another interface, so alter_context is exercised too). It must end every call with a Status.
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

#include "base/log.h"
#include "rpc/detail/client_connection.h"

using namespace guise;
using namespace guise::rpc;

namespace {
constexpr rpc::InterfaceId kFirst = {{0x12345678, 0x1234, 0xabcd, {0xef, 0, 1, 0x23, 0x45, 0x67, 0x89, 0xab}}, 1, 0};
constexpr rpc::InterfaceId kSecond = {{0x12345679, 0x1234, 0xabcd, {0xef, 0, 1, 0x23, 0x45, 0x67, 0x89, 0xab}}, 1, 0};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    log::set_level(log::Level::kOff);
    return true;
  }();
  (void)quiet;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
  UniqueFd server(fds[1]);
  std::size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(server.get(), data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(server.get(), SHUT_WR);  // after the fuzz bytes, the "server" says nothing more
  ClientOptions options;
  options.limits.max_call_bytes = 1 << 16;
  auto connection = rpc::detail::ClientConnection::adopt(
      UniqueFd(fds[0]), AuthInfo::local(AuthnLevel::kPktPrivacy, identity::ImpersonationLevel::kImpersonate), options);
  std::vector<std::byte> in(16, std::byte{0x41});
  std::vector<std::byte> out;
  bool sent_request = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  (void)connection->call(kFirst, 0, std::nullopt, in, out, deadline, nullptr, sent_request);
  if (!connection->broken()) {
    (void)connection->call(kSecond, 1, std::nullopt, in, out, deadline, nullptr, sent_request);
  }
  if (out.size() > options.limits.max_call_bytes) __builtin_trap();
  return 0;
}
