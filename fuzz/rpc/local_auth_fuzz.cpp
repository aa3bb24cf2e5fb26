// Fuzzes the local security provider's verifier: the auth_value decoder and accept() on a peer the
// kernel attested (as a server sees a bind's verifier). Whatever is accepted is re-encoded and must
// decode to the same levels.
#include <cstddef>
#include <cstdint>
#include <span>

#include "rpc/local_security.h"

using namespace guise::rpc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  auto value = LocalAuthValue::decode(bytes);
  if (value.ok()) {
    auto again = LocalAuthValue::decode(value->encode());
    if (!again.ok() || again->imp_level != value->imp_level) __builtin_trap();
  }
  LocalSecurityProvider provider;
  TransportPeer peer;
  peer.credentials = guise::identity::PeerCredentials{};
  peer.credentials->uid = 41001;
  peer.credentials->gid = 41001;
  peer.credentials->groups = std::vector<gid_t>{41001};
  AuthVerifier verifier{kAuthTypeGuiseLocal, data[0], 0, 0, 1, {bytes.begin(), bytes.end()}};
  auto accepted = provider.accept(verifier, peer);
  if (accepted.ok()) {
    // Identity is the kernel's, never the bytes': whatever they said, the caller is uid 41001
    // (or Anonymous Logon at the anonymous level).
    const auto& caller = accepted->context.caller;
    if (!caller || (!caller->is_anonymous() && caller->uid() != 41001)) __builtin_trap();
  }
  return 0;
}
