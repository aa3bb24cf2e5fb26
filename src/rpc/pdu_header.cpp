// pdu_header.cpp: the common header (C706 §12.6.3.1), stream framing and the sec_trailer split.
#include <limits>

#include "base/assert.h"
#include "rpc/detail/fragment_parts.h"
#include "rpc/pdu.h"
#include "rpc/pdu_writer.h"

namespace guise::rpc {

std::string_view ptype_name(PType type) noexcept {
  switch (type) {
    case PType::kRequest: return "request";
    case PType::kResponse: return "response";
    case PType::kFault: return "fault";
    case PType::kBind: return "bind";
    case PType::kBindAck: return "bind_ack";
    case PType::kBindNak: return "bind_nak";
    case PType::kAlterContext: return "alter_context";
    case PType::kAlterContextResp: return "alter_context_resp";
    case PType::kAuth3: return "auth3";
    case PType::kShutdown: return "shutdown";
    case PType::kCoCancel: return "co_cancel";
    case PType::kOrphaned: return "orphaned";
  }
  return "unknown";
}

bool is_connection_oriented_ptype(std::uint8_t v) noexcept {
  return v == 0 || v == 2 || v == 3 || (v >= 11 && v <= 19);
}

std::string_view authn_level_name(AuthnLevel level) noexcept {
  switch (level) {
    case AuthnLevel::kDefault: return "DEFAULT";
    case AuthnLevel::kNone: return "NONE";
    case AuthnLevel::kConnect: return "CONNECT";
    case AuthnLevel::kCall: return "CALL";
    case AuthnLevel::kPkt: return "PKT";
    case AuthnLevel::kPktIntegrity: return "PKT_INTEGRITY";
    case AuthnLevel::kPktPrivacy: return "PKT_PRIVACY";
  }
  return "unknown";
}

Decoded<PduHeader> decode_header(std::span<const std::byte> bytes) noexcept {
  PduReader r(bytes);
  PduHeader h;
  GUISE_DECODE(std::uint8_t major, r.u8());
  GUISE_DECODE(h.version_minor, r.u8());
  if (major != kRpcVersionMajor || h.version_minor > kRpcVersionMinorMax) {
    return fail(DecodeError::kBadVersion);
  }
  GUISE_DECODE(std::uint8_t type, r.u8());
  if (!is_connection_oriented_ptype(type)) return fail(DecodeError::kUnknownPacketType);
  h.type = static_cast<PType>(type);
  GUISE_DECODE(h.flags, r.u8());
  for (auto& d : h.drep) {
    GUISE_DECODE(d, r.u8());
  }
  // Integer representation is the high nibble of drep[0]; only little-endian is read here. The
  // character set (low nibble) must be ASCII and floats IEEE, the only forms NDR peers send today.
  if (h.drep[0] != kDrepLittleEndianAscii || h.drep[1] != kDrepIeeeFloat) {
    return fail(DecodeError::kUnsupportedDataRepresentation);
  }
  GUISE_DECODE(h.frag_length, r.u16());
  GUISE_DECODE(h.auth_length, r.u16());
  GUISE_DECODE(h.call_id, r.u32());
  if (h.frag_length < kCommonHeaderSize) return fail(DecodeError::kBadFragLength);
  if (h.auth_length != 0 &&
      std::size_t{h.auth_length} + kSecTrailerSize > h.frag_length - kCommonHeaderSize) {
    return fail(DecodeError::kBadAuthLength);
  }
  return h;
}

Decoded<std::size_t> frame_length(std::span<const std::byte> received, std::uint16_t max_recv_frag) noexcept {
  if (received.size() < kCommonHeaderSize) return std::size_t{0};
  GUISE_DECODE(PduHeader h, decode_header(received.first(kCommonHeaderSize)));
  if (h.frag_length > max_recv_frag) return fail(DecodeError::kFragTooLarge);
  return std::size_t{h.frag_length};
}

void write_common_header(PduWriter& w, const PduHeader& h) {
  w.u8(kRpcVersionMajor);
  w.u8(h.version_minor);
  w.u8(static_cast<std::uint8_t>(h.type));
  w.u8(h.flags);
  for (auto d : h.drep) w.u8(d);
  w.u16(h.frag_length);
  w.u16(h.auth_length);
  w.u32(h.call_id);
}

namespace detail {

Decoded<FragmentParts> split_fragment(std::span<const std::byte> fragment) noexcept {
  GUISE_DECODE(PduHeader h, decode_header(fragment));
  if (h.frag_length != fragment.size()) return fail(DecodeError::kBadFragLength);
  FragmentParts parts;
  parts.header = h;
  std::size_t body_end = fragment.size();
  if (h.auth_length != 0) {
    // decode_header checked that trailer and auth_value fit after the common header.
    std::size_t trailer_at = fragment.size() - h.auth_length - kSecTrailerSize;
    PduReader t(fragment.subspan(trailer_at));
    AuthVerifier a;
    GUISE_DECODE(a.auth_type, t.u8());
    GUISE_DECODE(a.auth_level, t.u8());
    GUISE_DECODE(a.auth_pad_length, t.u8());
    GUISE_DECODE(a.auth_reserved, t.u8());
    GUISE_DECODE(a.auth_context_id, t.u32());
    GUISE_DECODE(auto value, t.bytes(h.auth_length));
    a.auth_value.assign(value.begin(), value.end());
    if (a.auth_pad_length > trailer_at - kCommonHeaderSize) return fail(DecodeError::kBadAuthPadding);
    body_end = trailer_at - a.auth_pad_length;
    parts.auth = std::move(a);
  }
  parts.body = fragment.subspan(kCommonHeaderSize, body_end - kCommonHeaderSize);
  return parts;
}

void append_auth(PduWriter& w, const AuthVerifier& auth) {
  AuthVerifier a = auth;
  // MS-RPCE §2.2.2.11 asks for 16-byte alignment of the sec_trailer when stub data precedes it;
  // 4 is what C706 requires. We pad to 4 for binds and let callers pre-align stubs.
  a.auth_pad_length = static_cast<std::uint8_t>(w.align(4));
  w.u8(a.auth_type);
  w.u8(a.auth_level);
  w.u8(a.auth_pad_length);
  w.u8(0);
  w.u32(a.auth_context_id);
  w.bytes(a.auth_value);
}

void finish_pdu(std::vector<std::byte>& out, std::uint16_t auth_length) {
  GUISE_ASSERT(out.size() <= std::numeric_limits<std::uint16_t>::max(), "PDU too large to encode: ",
               out.size());
  auto set16 = [&](std::size_t at, std::uint16_t v) {
    out[at] = std::byte{static_cast<std::uint8_t>(v)};
    out[at + 1] = std::byte{static_cast<std::uint8_t>(v >> 8)};
  };
  set16(8, static_cast<std::uint16_t>(out.size()));
  set16(10, auth_length);
}

}  // namespace detail
}  // namespace guise::rpc
