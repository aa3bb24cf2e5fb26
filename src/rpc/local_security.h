// local_security.h: the local security provider — the kernel says who the caller is.
//
// Over ncalrpc (AF_UNIX) the server learns the caller from SO_PEERCRED, SO_PEERGROUPS and
// SO_PEERPIDFD, captured at accept. The bind's verifier (vendor auth type kAuthTypeGuiseLocal,
// docs/wire.md) carries only what the client *grants*: authentication level (sec_trailer.auth_level),
// impersonation level and capabilities (auth_value). It carries no identity and nothing in it can
// change who the caller is. The server answers with the same layout, echoing what it granted.
//
// Levels: AF_UNIX delivers bytes only between the two attested endpoints, in order, unmodified and
// unseen by others, so every level from CONNECT to PKT_PRIVACY is honoured as requested, with no
// per-PDU verifier (docs/wire.md says why each level holds). DEFAULT means PKT_PRIVACY, as Windows'
// ncalrpc. The provider refuses TCP peers: there is nothing the kernel can attest there.
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "rpc/pdu_reader.h"
#include "rpc/security_provider.h"

namespace guise::rpc {

// The auth_value of the local provider (16 octets, little-endian).
struct LocalAuthValue {
  static constexpr std::uint32_t kMagic = 0x50534C47;  // "GLSP"
  static constexpr std::uint16_t kVersion = 1;
  static constexpr std::uint16_t kFlagGranted = 0x0001;  // set in the server's answer
  std::uint16_t version = kVersion;
  std::uint16_t flags = 0;
  std::uint32_t imp_level = 0;     // RPC_C_IMP_LEVEL_* (0 = default = IDENTIFY)
  std::uint32_t capabilities = 0;  // EOAC_* the client set

  std::vector<std::byte> encode() const;
  static Decoded<LocalAuthValue> decode(std::span<const std::byte> bytes) noexcept;
};

class LocalSecurityProvider final : public ServerSecurityProvider {
 public:
  std::uint8_t auth_type() const noexcept override { return kAuthTypeGuiseLocal; }
  [[nodiscard]] Result<Accepted> accept(const AuthVerifier& verifier, const TransportPeer& peer) override;
};

// Client side: the verifier a bind carries to ask for `level`, `imp_level` and `capabilities`.
AuthVerifier make_local_auth_request(AuthnLevel level, identity::ImpersonationLevel imp_level,
                                     std::uint32_t capabilities, std::uint32_t auth_context_id);

}  // namespace guise::rpc
