// pdu_control.cpp: auth3, shutdown, co_cancel, orphaned, and decode_pdu's dispatch by type.
#include "rpc/detail/fragment_parts.h"
#include "rpc/detail/pdu_decoders.h"
#include "rpc/pdu.h"
#include "rpc/pdu_writer.h"

namespace guise::rpc {

Decoded<Pdu> decode_pdu(std::span<const std::byte> fragment, const Limits& limits) {
  GUISE_DECODE(detail::FragmentParts parts, detail::split_fragment(fragment));
  switch (parts.header.type) {
    case PType::kBind:
    case PType::kAlterContext:
      return detail::decode_bind(std::move(parts), limits);
    case PType::kBindAck:
    case PType::kAlterContextResp:
      return detail::decode_bind_ack(std::move(parts), limits);
    case PType::kBindNak:
      return detail::decode_bind_nak(std::move(parts));
    case PType::kRequest:
      return detail::decode_request(std::move(parts));
    case PType::kResponse:
      return detail::decode_response(std::move(parts));
    case PType::kFault:
      return detail::decode_fault(std::move(parts));
    case PType::kAuth3: {
      // MS-RPCE §2.2.2.10: four octets of padding, then the (required) verifier.
      if (!parts.auth) return fail(DecodeError::kBadAuthLength);
      PduReader r(parts.body, kCommonHeaderSize);
      GUISE_DECODE_CHECK(r.skip(r.remaining() >= 4 ? 4 : r.remaining()));
      if (!r.at_end()) return fail(DecodeError::kTrailingBytes);
      return Pdu{Auth3Pdu{parts.header, std::move(*parts.auth)}};
    }
    case PType::kShutdown:
      if (!parts.body.empty() || parts.auth) return fail(DecodeError::kTrailingBytes);
      return Pdu{ShutdownPdu{parts.header}};
    case PType::kCoCancel:
    case PType::kOrphaned: {
      // Some stacks pad these bodies; a body of at most 8 octets of padding is tolerated.
      if (parts.body.size() > 8) return fail(DecodeError::kTrailingBytes);
      if (parts.header.type == PType::kCoCancel) return Pdu{CancelPdu{parts.header, std::move(parts.auth)}};
      return Pdu{OrphanedPdu{parts.header, std::move(parts.auth)}};
    }
  }
  return fail(DecodeError::kUnknownPacketType);
}

namespace {
std::vector<std::byte> encode_simple(PduHeader h, PType type, const std::optional<AuthVerifier>& auth,
                                     std::size_t pad) {
  std::vector<std::byte> out;
  PduWriter w(out);
  h.type = type;
  write_common_header(w, h);
  w.zeros(pad);
  std::uint16_t auth_length = 0;
  if (auth) {
    detail::append_auth(w, *auth);
    auth_length = static_cast<std::uint16_t>(auth->auth_value.size());
  }
  detail::finish_pdu(out, auth_length);
  return out;
}
}  // namespace

std::vector<std::byte> encode_auth3(const Auth3Pdu& p) {
  return encode_simple(p.header, PType::kAuth3, p.auth, 4);
}
std::vector<std::byte> encode_shutdown(const ShutdownPdu& p) {
  return encode_simple(p.header, PType::kShutdown, std::nullopt, 0);
}
std::vector<std::byte> encode_cancel(const CancelPdu& p) {
  return encode_simple(p.header, PType::kCoCancel, p.auth, 0);
}
std::vector<std::byte> encode_orphaned(const OrphanedPdu& p) {
  return encode_simple(p.header, PType::kOrphaned, p.auth, 0);
}

}  // namespace guise::rpc
