// ntlm_sealing.cpp: MS-NLMP session security with nettle's primitives.
#include "rpc/gssapi/ntlm_sealing.h"

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>

#include <cstring>
#include <string_view>

#include "rpc/gssapi/ntlm_message.h"

namespace guise::rpc::ntlm {
namespace {

// MS-NLMP §3.4.5.2 / §3.4.5.3 magic constants, NUL included.
constexpr std::string_view kClientSign = "session key to client-to-server signing key magic constant";
constexpr std::string_view kServerSign = "session key to server-to-client signing key magic constant";
constexpr std::string_view kClientSeal = "session key to client-to-server sealing key magic constant";
constexpr std::string_view kServerSeal = "session key to server-to-client sealing key magic constant";

std::array<std::byte, 16> derive(std::span<const std::byte> key, std::string_view magic) {
  md5_ctx md5;
  md5_init(&md5);
  md5_update(&md5, key.size(), reinterpret_cast<const std::uint8_t*>(key.data()));
  md5_update(&md5, magic.size() + 1, reinterpret_cast<const std::uint8_t*>(magic.data()));  // with its NUL
  std::array<std::byte, 16> out;
  md5_digest(&md5, out.size(), reinterpret_cast<std::uint8_t*>(out.data()));
  return out;
}

void put_u32(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = std::byte{static_cast<std::uint8_t>(v >> (8 * i))};
}

}  // namespace

Result<Sealing> Sealing::create(std::span<const std::byte> session_key, std::uint32_t flags, Role role) {
  if (!(flags & kNegotiateExtendedSessionSecurity) || !(flags & kNegotiate128)) {
    return access_denied("NTLM without extended session security and 128-bit keys is refused");
  }
  if (session_key.size() != 16) return access_denied("NTLM session key is not 16 octets");
  Sealing s;
  const bool client = role == Role::kClient;
  s.send_sign_key_ = derive(session_key, client ? kClientSign : kServerSign);
  s.recv_sign_key_ = derive(session_key, client ? kServerSign : kClientSign);
  auto send_seal = derive(session_key, client ? kClientSeal : kServerSeal);
  auto recv_seal = derive(session_key, client ? kServerSeal : kClientSeal);
  arcfour_set_key(&s.send_seal_, send_seal.size(), reinterpret_cast<const std::uint8_t*>(send_seal.data()));
  arcfour_set_key(&s.recv_seal_, recv_seal.size(), reinterpret_cast<const std::uint8_t*>(recv_seal.data()));
  s.key_exchange_ = (flags & kNegotiateKeyExchange) != 0;
  return s;
}

std::array<std::byte, 8> Sealing::mac(const std::array<std::byte, 16>& sign_key, std::uint32_t seq,
                                      const ProtectedPdu& pdu) {
  hmac_md5_ctx h;
  hmac_md5_set_key(&h, sign_key.size(), reinterpret_cast<const std::uint8_t*>(sign_key.data()));
  std::byte seq_bytes[4];
  put_u32(seq_bytes, seq);
  auto feed = [&](std::span<const std::byte> b) {
    hmac_md5_update(&h, b.size(), reinterpret_cast<const std::uint8_t*>(b.data()));
  };
  feed(seq_bytes);
  feed(pdu.header);
  feed(pdu.body);
  feed(pdu.trailer);
  std::array<std::byte, 16> digest;
  hmac_md5_digest(&h, digest.size(), reinterpret_cast<std::uint8_t*>(digest.data()));
  std::array<std::byte, 8> checksum;
  std::memcpy(checksum.data(), digest.data(), checksum.size());
  return checksum;
}

std::array<std::byte, kSignatureSize> Sealing::protect(const ProtectedPdu& pdu, bool seal) {
  const std::uint32_t seq = send_seq_++;
  auto checksum = mac(send_sign_key_, seq, pdu);  // over the plaintext
  auto* body = reinterpret_cast<std::uint8_t*>(pdu.body.data());
  if (seal) arcfour_crypt(&send_seal_, pdu.body.size(), body, body);
  auto* c = reinterpret_cast<std::uint8_t*>(checksum.data());
  if (key_exchange_) arcfour_crypt(&send_seal_, checksum.size(), c, c);
  std::array<std::byte, kSignatureSize> out{};
  put_u32(out.data(), 1);
  std::memcpy(out.data() + 4, checksum.data(), checksum.size());
  put_u32(out.data() + 12, seq);
  return out;
}

Status Sealing::unprotect(const ProtectedPdu& pdu, std::span<const std::byte> auth_value, bool sealed) {
  if (auth_value.size() != kSignatureSize) return access_denied("NTLM signature of the wrong size");
  const std::uint32_t seq = recv_seq_++;
  auto* body = reinterpret_cast<std::uint8_t*>(pdu.body.data());
  if (sealed) arcfour_crypt(&recv_seal_, pdu.body.size(), body, body);
  auto checksum = mac(recv_sign_key_, seq, pdu);
  auto* c = reinterpret_cast<std::uint8_t*>(checksum.data());
  if (key_exchange_) arcfour_crypt(&recv_seal_, checksum.size(), c, c);
  std::array<std::byte, kSignatureSize> expected{};
  put_u32(expected.data(), 1);
  std::memcpy(expected.data() + 4, checksum.data(), checksum.size());
  put_u32(expected.data() + 12, seq);
  // The sequence number is inside the MAC too: a replayed or reordered fragment fails here.
  if (!memeql_sec(expected.data(), auth_value.data(), expected.size())) {
    return access_denied("NTLM signature does not verify (tampered, replayed or out of order)");
  }
  return Status::Ok();
}

}  // namespace guise::rpc::ntlm
