// toy_security.h: a test-only security provider with three legs and per-PDU sign/seal (tests only).
//
// It exercises the pluggable provider interfaces the way a GSSAPI provider will: bind carries
// "HELLO", bind_ack a nonce, auth3 the nonce + 1; at PKT_INTEGRITY and above every request and
// response fragment carries [sequence number, checksum of the plaintext stub+pad], and at PKT_PRIVACY
// the stub is "sealed" by XOR with 0x5A. It proves plumbing, not security.
#pragma once

#include <memory>

#include "rpc/client_security.h"
#include "rpc/security_provider.h"

namespace guise::rpc::testing {

inline constexpr std::uint8_t kToyAuthType = 0xC7;

std::unique_ptr<ServerSecurityProvider> make_toy_server_provider();
std::unique_ptr<ClientSecurityProvider> make_toy_client_provider();

// What a toy verifier for `stub` (plaintext stub + pad) with sequence number `seq` looks like.
std::vector<std::byte> toy_verifier(std::uint32_t seq, std::span<const std::byte> stub);

}  // namespace guise::rpc::testing
