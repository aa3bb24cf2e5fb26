// ntlm_message.h: what guise reads from NTLMSSP messages (MS-NLMP §2.2.1) — type and flags only.
//
// gss-ntlmssp does the NTLM exchange; guise needs three facts it does not export: the message type
// (to route the legs), the NegotiateFlags the two sides agreed on (they choose the sign/seal keys,
// MS-NLMP §3.4.5), and a NEGOTIATE padded to the 40 octets gss-ntlmssp insists on (impacket sends 32,
// without the optional Version). inspect() validates the signature, the type, the fixed part's size
// and, for every variable field (length, max length, offset), that it lies inside the message —
// then reports the flags. It is a decoder of peer bytes and has a fuzz target. Pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "rpc/pdu_reader.h"

namespace guise::rpc::ntlm {

enum class MessageType : std::uint32_t { kNegotiate = 1, kChallenge = 2, kAuthenticate = 3 };

// NegotiateFlags (MS-NLMP §2.2.2.5) that decide how PDUs are signed and sealed.
inline constexpr std::uint32_t kNegotiateSign = 0x00000010;
inline constexpr std::uint32_t kNegotiateSeal = 0x00000020;
inline constexpr std::uint32_t kNegotiateExtendedSessionSecurity = 0x00080000;
inline constexpr std::uint32_t kNegotiateIdentify = 0x00100000;
inline constexpr std::uint32_t kNegotiate128 = 0x20000000;
inline constexpr std::uint32_t kNegotiateKeyExchange = 0x40000000;

struct MessageInfo {
  MessageType type = MessageType::kNegotiate;
  std::uint32_t flags = 0;
};

Decoded<MessageInfo> inspect(std::span<const std::byte> message) noexcept;

// A NEGOTIATE shorter than 40 octets, zero-padded to 40 (an empty Version); anything else unchanged.
std::vector<std::byte> pad_negotiate(std::span<const std::byte> message);

}  // namespace guise::rpc::ntlm
