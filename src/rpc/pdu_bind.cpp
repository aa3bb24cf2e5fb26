// pdu_bind.cpp: bind, alter_context, bind_ack, alter_context_resp, bind_nak (C706 §12.6.4.1–5).
#include "base/assert.h"
#include "rpc/detail/fragment_parts.h"
#include "rpc/detail/pdu_decoders.h"
#include "rpc/pdu.h"
#include "rpc/pdu_writer.h"

namespace guise::rpc {
namespace {

Decoded<SyntaxId> read_syntax(PduReader& r) {
  SyntaxId s;
  GUISE_DECODE(s.uuid, r.guid());
  GUISE_DECODE(s.major, r.u16());
  GUISE_DECODE(s.minor, r.u16());
  return s;
}

void write_syntax(PduWriter& w, const SyntaxId& s) {
  w.guid(s.uuid);
  w.u16(s.major);
  w.u16(s.minor);
}

}  // namespace

namespace detail {

Decoded<Pdu> decode_bind(FragmentParts parts, const Limits& limits) {
  PduReader r(parts.body, kCommonHeaderSize);
  BindPdu p;
  p.header = parts.header;
  GUISE_DECODE(p.max_xmit_frag, r.u16());
  GUISE_DECODE(p.max_recv_frag, r.u16());
  GUISE_DECODE(p.assoc_group_id, r.u32());
  // p_cont_list_t: n_context_elem (u8), reserved (u8), reserved2 (u16).
  GUISE_DECODE(std::uint8_t n_contexts, r.u8());
  GUISE_DECODE_CHECK(r.skip(3));
  if (n_contexts > limits.max_contexts_per_bind) return fail(DecodeError::kCountOverLimit);
  // Each element is at least 4 + 20 bytes (its transfer syntaxes are checked per element): the
  // count must fit before anything is reserved.
  GUISE_DECODE_CHECK(r.require_array(n_contexts, 24));
  p.contexts.reserve(n_contexts);
  for (unsigned i = 0; i < n_contexts; ++i) {
    ContextElement c;
    GUISE_DECODE(c.context_id, r.u16());
    GUISE_DECODE(std::uint8_t n_syntaxes, r.u8());
    GUISE_DECODE_CHECK(r.skip(1));
    GUISE_DECODE(c.abstract_syntax, read_syntax(r));
    // C706: n_transfer_syn is at least 1.
    if (n_syntaxes == 0) return fail(DecodeError::kBadField);
    if (n_syntaxes > limits.max_transfer_syntaxes) return fail(DecodeError::kCountOverLimit);
    GUISE_DECODE_CHECK(r.require_array(n_syntaxes, 20));
    c.transfer_syntaxes.reserve(n_syntaxes);
    for (unsigned j = 0; j < n_syntaxes; ++j) {
      GUISE_DECODE(SyntaxId s, read_syntax(r));
      c.transfer_syntaxes.push_back(s);
    }
    p.contexts.push_back(std::move(c));
  }
  // With a verifier, the sec_trailer marks where the body ends, and octets between the context list
  // and it are ignored, as Windows does: impacket's SPNEGO alter_context repeats its context element
  // there (docs/remote.md). Bind PDUs are never signed, so nothing covered by a signature is skipped.
  if (!r.at_end() && !parts.auth) return fail(DecodeError::kTrailingBytes);
  p.auth = std::move(parts.auth);
  return Pdu{std::move(p)};
}

Decoded<Pdu> decode_bind_ack(FragmentParts parts, const Limits& limits) {
  PduReader r(parts.body, kCommonHeaderSize);
  BindAckPdu p;
  p.header = parts.header;
  GUISE_DECODE(p.max_xmit_frag, r.u16());
  GUISE_DECODE(p.max_recv_frag, r.u16());
  GUISE_DECODE(p.assoc_group_id, r.u32());
  // port_any_t: length (u16) including the NUL, then the characters (C706 §12.6.3.1).
  GUISE_DECODE(std::uint16_t addr_len, r.u16());
  GUISE_DECODE(auto addr, r.bytes(addr_len));
  if (addr_len > 0) {
    if (addr.back() != std::byte{0}) return fail(DecodeError::kBadField);
    for (std::size_t i = 0; i + 1 < addr.size(); ++i) {
      p.secondary_address.push_back(static_cast<char>(addr[i]));
    }
  }
  GUISE_DECODE_CHECK(r.align(4));
  GUISE_DECODE(std::uint8_t n_results, r.u8());
  GUISE_DECODE_CHECK(r.skip(3));
  if (n_results > limits.max_contexts_per_bind) return fail(DecodeError::kBadCount);
  GUISE_DECODE_CHECK(r.require_array(n_results, 24));
  p.results.reserve(n_results);
  for (unsigned i = 0; i < n_results; ++i) {
    ContextResultEntry e;
    GUISE_DECODE(std::uint16_t result, r.u16());
    if (result > static_cast<std::uint16_t>(ContextResult::kNegotiateAck)) {
      return fail(DecodeError::kBadField);
    }
    e.result = static_cast<ContextResult>(result);
    GUISE_DECODE(e.reason, r.u16());
    GUISE_DECODE(e.transfer_syntax, read_syntax(r));
    p.results.push_back(e);
  }
  if (!r.at_end()) return fail(DecodeError::kTrailingBytes);
  p.auth = std::move(parts.auth);
  return Pdu{std::move(p)};
}

Decoded<Pdu> decode_bind_nak(FragmentParts parts) {
  PduReader r(parts.body, kCommonHeaderSize);
  BindNakPdu p;
  p.header = parts.header;
  GUISE_DECODE(p.reason, r.u16());
  // The version list is optional in practice (Windows appends a signature after it; MS-RPCE
  // §2.2.2.7), so a nak with only the reason is accepted and anything after the list is ignored.
  if (!r.at_end()) {
    GUISE_DECODE(std::uint8_t n, r.u8());
    GUISE_DECODE_CHECK(r.require_array(n, 2));
    for (unsigned i = 0; i < n; ++i) {
      GUISE_DECODE(std::uint8_t major, r.u8());
      GUISE_DECODE(std::uint8_t minor, r.u8());
      p.versions.push_back({major, minor});
    }
  }
  return Pdu{std::move(p)};
}

}  // namespace detail

std::vector<std::byte> encode_bind(const BindPdu& p) {
  GUISE_ASSERT(p.header.type == PType::kBind || p.header.type == PType::kAlterContext,
               "encode_bind with type ", static_cast<int>(p.header.type));
  GUISE_ASSERT(p.contexts.size() <= 255, "too many contexts to encode");
  std::vector<std::byte> out;
  PduWriter w(out);
  write_common_header(w, p.header);
  w.u16(p.max_xmit_frag);
  w.u16(p.max_recv_frag);
  w.u32(p.assoc_group_id);
  w.u8(static_cast<std::uint8_t>(p.contexts.size()));
  w.zeros(3);
  for (const auto& c : p.contexts) {
    GUISE_ASSERT(!c.transfer_syntaxes.empty() && c.transfer_syntaxes.size() <= 255, "bad syntax list");
    w.u16(c.context_id);
    w.u8(static_cast<std::uint8_t>(c.transfer_syntaxes.size()));
    w.u8(0);
    write_syntax(w, c.abstract_syntax);
    for (const auto& s : c.transfer_syntaxes) write_syntax(w, s);
  }
  std::uint16_t auth_length = 0;
  if (p.auth) {
    detail::append_auth(w, *p.auth);
    auth_length = static_cast<std::uint16_t>(p.auth->auth_value.size());
  }
  detail::finish_pdu(out, auth_length);
  return out;
}

std::vector<std::byte> encode_bind_ack(const BindAckPdu& p) {
  GUISE_ASSERT(p.header.type == PType::kBindAck || p.header.type == PType::kAlterContextResp,
               "encode_bind_ack with type ", static_cast<int>(p.header.type));
  std::vector<std::byte> out;
  PduWriter w(out);
  write_common_header(w, p.header);
  w.u16(p.max_xmit_frag);
  w.u16(p.max_recv_frag);
  w.u32(p.assoc_group_id);
  if (p.secondary_address.empty()) {
    w.u16(0);
  } else {
    w.u16(static_cast<std::uint16_t>(p.secondary_address.size() + 1));
    for (char c : p.secondary_address) w.u8(static_cast<std::uint8_t>(c));
    w.u8(0);
  }
  w.align(4);
  w.u8(static_cast<std::uint8_t>(p.results.size()));
  w.zeros(3);
  for (const auto& e : p.results) {
    w.u16(static_cast<std::uint16_t>(e.result));
    w.u16(e.reason);
    write_syntax(w, e.transfer_syntax);
  }
  std::uint16_t auth_length = 0;
  if (p.auth) {
    detail::append_auth(w, *p.auth);
    auth_length = static_cast<std::uint16_t>(p.auth->auth_value.size());
  }
  detail::finish_pdu(out, auth_length);
  return out;
}

std::vector<std::byte> encode_bind_nak(const BindNakPdu& p) {
  std::vector<std::byte> out;
  PduWriter w(out);
  PduHeader h = p.header;
  h.type = PType::kBindNak;
  write_common_header(w, h);
  w.u16(p.reason);
  w.u8(static_cast<std::uint8_t>(p.versions.size()));
  for (const auto& v : p.versions) {
    w.u8(v[0]);
    w.u8(v[1]);
  }
  detail::finish_pdu(out, 0);
  return out;
}

}  // namespace guise::rpc
