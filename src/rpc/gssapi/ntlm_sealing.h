// ntlm_sealing.h: NTLM session security for DCE/RPC PDUs (MS-NLMP §3.4.4.2, §3.4.5; MS-RPCE §3.3.1.5.2).
//
// gss-ntlmssp negotiates NTLM but cannot protect a DCE/RPC PDU: it has no gss_wrap_iov, and its
// gss_unwrap MACs the sealed octets where DCE/RPC MACs the plaintext of the whole PDU. So guise takes
// the exported session key and the agreed NegotiateFlags and does what MS-NLMP specifies, with
// nettle's MD5, HMAC-MD5 and RC4 (ARCFOUR) — no cryptography written here:
//   SignKey = MD5(key ‖ "session key to {client-to-server|server-to-client} signing key magic constant\0"),
//   SealKey = MD5(key ‖ "... sealing key magic constant\0") (128-bit), one RC4 state per direction;
//   signature = 01 00 00 00 ‖ RC4(HMAC-MD5(SignKey, seq ‖ M)[0..8]) ‖ seq, M = the whole PDU except
//   the auth_value (header, plaintext body and pad, sec_trailer); at PKT_PRIVACY the body is RC4-sealed
//   before the checksum is (the stream order the peers use). Sequence numbers start at 0 after the
//   last leg and count every fragment, per direction.
// Extended session security and 128-bit keys are required (NTLMv1-style session security is refused):
// every peer that matters (Windows, Samba, impacket, gss-ntlmssp) negotiates both.
// Thread-safety: one per security context, used by one thread at a time.
#pragma once

#include <nettle/arcfour.h>

#include <array>
#include <cstdint>
#include <span>

#include "base/status.h"
#include "rpc/security_provider.h"

namespace guise::rpc::ntlm {

inline constexpr std::size_t kSignatureSize = 16;

class Sealing {
 public:
  enum class Role { kClient, kServer };
  // kAccessDenied when the flags lack extended session security or 128-bit keys, or the key is not
  // 16 octets.
  static Result<Sealing> create(std::span<const std::byte> session_key, std::uint32_t flags, Role role);

  // Signs one outgoing fragment (sealing its body in place when `seal`).
  std::array<std::byte, kSignatureSize> protect(const ProtectedPdu& pdu, bool seal);
  // Checks one incoming fragment (unsealing its body in place when `sealed`): signature, sequence.
  Status unprotect(const ProtectedPdu& pdu, std::span<const std::byte> auth_value, bool sealed);

 private:
  Sealing() = default;
  std::array<std::byte, 8> mac(const std::array<std::byte, 16>& sign_key, std::uint32_t seq, const ProtectedPdu& pdu);

  std::array<std::byte, 16> send_sign_key_{};
  std::array<std::byte, 16> recv_sign_key_{};
  arcfour_ctx send_seal_{};
  arcfour_ctx recv_seal_{};
  bool key_exchange_ = false;
  std::uint32_t send_seq_ = 0;
  std::uint32_t recv_seq_ = 0;
};

}  // namespace guise::rpc::ntlm
