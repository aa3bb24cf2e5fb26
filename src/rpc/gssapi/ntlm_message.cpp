// ntlm_message.cpp: NTLMSSP message inspection (MS-NLMP §2.2.1.1–§2.2.1.3).
#include "rpc/gssapi/ntlm_message.h"

#include <cstring>

namespace guise::rpc::ntlm {
namespace {

constexpr std::byte kSignature[8] = {std::byte{'N'}, std::byte{'T'}, std::byte{'L'}, std::byte{'M'},
                                     std::byte{'S'}, std::byte{'S'}, std::byte{'P'}, std::byte{0}};
constexpr std::size_t kNegotiateFixed = 32;     // + 8 Version when NEGOTIATE_VERSION
constexpr std::size_t kChallengeFixed = 48;     // TargetName, flags, challenge, reserved, TargetInfo
constexpr std::size_t kAuthenticateFixed = 64;  // six fields, flags

// A (length, max length, offset) field at `at`: its payload must lie inside the message.
Decoded<void> check_field(std::span<const std::byte> message, std::size_t at) noexcept {
  PduReader r(message.subspan(at, 8));
  GUISE_DECODE(std::uint16_t length, r.u16());
  GUISE_DECODE_CHECK(r.skip(2));
  GUISE_DECODE(std::uint32_t offset, r.u32());
  if (length != 0 && (offset > message.size() || length > message.size() - offset)) {
    return DecodeFailure{DecodeError::kBadCount};
  }
  return {};
}

}  // namespace

Decoded<MessageInfo> inspect(std::span<const std::byte> message) noexcept {
  if (message.size() < 12 || std::memcmp(message.data(), kSignature, sizeof kSignature) != 0) {
    return DecodeFailure{DecodeError::kBadField};
  }
  PduReader r(message.subspan(8));
  GUISE_DECODE(std::uint32_t type, r.u32());
  MessageInfo info;
  std::size_t flags_at = 0;
  switch (type) {
    case 1:
      if (message.size() < kNegotiateFixed) return DecodeFailure{DecodeError::kTruncated};
      flags_at = 12;
      for (std::size_t f : {16u, 24u}) GUISE_DECODE_CHECK(check_field(message, f));
      break;
    case 2:
      if (message.size() < kChallengeFixed) return DecodeFailure{DecodeError::kTruncated};
      flags_at = 20;
      for (std::size_t f : {12u, 40u}) GUISE_DECODE_CHECK(check_field(message, f));
      break;
    case 3:
      if (message.size() < kAuthenticateFixed) return DecodeFailure{DecodeError::kTruncated};
      flags_at = 60;
      for (std::size_t f : {12u, 20u, 28u, 36u, 44u, 52u}) GUISE_DECODE_CHECK(check_field(message, f));
      break;
    default:
      return DecodeFailure{DecodeError::kBadField};
  }
  info.type = static_cast<MessageType>(type);
  PduReader flags(message.subspan(flags_at, 4));
  GUISE_DECODE(info.flags, flags.u32());
  return info;
}

std::vector<std::byte> pad_negotiate(std::span<const std::byte> message) {
  std::vector<std::byte> out(message.begin(), message.end());
  auto info = inspect(message);
  if (info.ok() && info->type == MessageType::kNegotiate && out.size() < kNegotiateFixed + 8) {
    out.resize(kNegotiateFixed + 8, std::byte{0});
  }
  return out;
}

}  // namespace guise::rpc::ntlm
