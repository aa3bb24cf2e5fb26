// pdu_call.cpp: request, response and fault (C706 §12.6.4.7, .9, .10; MS-RPCE §2.2.2.9).
#include "base/assert.h"
#include "rpc/detail/fragment_parts.h"
#include "rpc/detail/pdu_decoders.h"
#include "rpc/pdu.h"
#include "rpc/pdu_writer.h"

namespace guise::rpc {
namespace detail {

Decoded<Pdu> decode_request(FragmentParts parts) {
  PduReader r(parts.body, kCommonHeaderSize);
  RequestPdu p;
  p.header = parts.header;
  GUISE_DECODE(p.alloc_hint, r.u32());
  GUISE_DECODE(p.context_id, r.u16());
  GUISE_DECODE(p.opnum, r.u16());
  if (p.header.has_flag(kPfcObjectUuid)) {
    GUISE_DECODE(GUID object, r.guid());
    p.object = object;
  }
  GUISE_DECODE(p.stub, r.bytes(r.remaining()));
  p.auth = std::move(parts.auth);
  return Pdu{std::move(p)};
}

Decoded<Pdu> decode_response(FragmentParts parts) {
  PduReader r(parts.body, kCommonHeaderSize);
  ResponsePdu p;
  p.header = parts.header;
  GUISE_DECODE(p.alloc_hint, r.u32());
  GUISE_DECODE(p.context_id, r.u16());
  GUISE_DECODE(p.cancel_count, r.u8());
  GUISE_DECODE_CHECK(r.skip(1));
  GUISE_DECODE(p.stub, r.bytes(r.remaining()));
  p.auth = std::move(parts.auth);
  return Pdu{std::move(p)};
}

Decoded<Pdu> decode_fault(FragmentParts parts) {
  PduReader r(parts.body, kCommonHeaderSize);
  FaultPdu p;
  p.header = parts.header;
  GUISE_DECODE(p.alloc_hint, r.u32());
  GUISE_DECODE(p.context_id, r.u16());
  GUISE_DECODE(p.cancel_count, r.u8());
  GUISE_DECODE_CHECK(r.skip(1));
  GUISE_DECODE(p.status, r.u32());
  GUISE_DECODE_CHECK(r.skip(4));  // reserved (MS-RPCE §2.2.2.9)
  GUISE_DECODE(p.stub, r.bytes(r.remaining()));
  p.auth = std::move(parts.auth);
  return Pdu{std::move(p)};
}

}  // namespace detail

std::size_t write_call_fragment_header(const CallFragmentHeader& h,
                                       std::span<std::byte, kMaxCallHeaderSize> out) noexcept {
  GUISE_ASSERT(h.type == PType::kRequest || h.type == PType::kResponse, "not a call fragment");
  std::size_t n = 0;
  auto put8 = [&](std::uint8_t v) { out[n++] = std::byte{v}; };
  auto put16 = [&](std::uint16_t v) {
    put8(static_cast<std::uint8_t>(v));
    put8(static_cast<std::uint8_t>(v >> 8));
  };
  auto put32 = [&](std::uint32_t v) {
    put16(static_cast<std::uint16_t>(v));
    put16(static_cast<std::uint16_t>(v >> 16));
  };
  std::uint8_t flags = h.flags;
  if (h.object) flags |= kPfcObjectUuid;
  put8(kRpcVersionMajor);
  put8(0);
  put8(static_cast<std::uint8_t>(h.type));
  put8(flags);
  put8(kDrepLittleEndianAscii);
  put8(kDrepIeeeFloat);
  put8(0);
  put8(0);
  put16(h.frag_length);
  put16(h.auth_length);
  put32(h.call_id);
  put32(h.alloc_hint);
  put16(h.context_id);
  if (h.type == PType::kRequest) {
    put16(h.opnum);
    if (h.object) {
      put32(h.object->Data1);
      put16(h.object->Data2);
      put16(h.object->Data3);
      for (auto b : h.object->Data4) put8(b);
    }
  } else {
    put8(h.cancel_count);
    put8(0);
  }
  return n;
}

namespace {
template <class CallPdu>
void append_stub_and_auth(std::vector<std::byte>& out, PduWriter& w, const CallPdu& p) {
  w.bytes(p.stub);
  std::uint16_t auth_length = 0;
  if (p.auth) {
    detail::append_auth(w, *p.auth);
    auth_length = static_cast<std::uint16_t>(p.auth->auth_value.size());
  }
  detail::finish_pdu(out, auth_length);
}
}  // namespace

std::vector<std::byte> encode_request(const RequestPdu& p) {
  std::vector<std::byte> out;
  PduWriter w(out);
  PduHeader h = p.header;
  h.type = PType::kRequest;
  if (p.object) h.flags |= kPfcObjectUuid;
  write_common_header(w, h);
  w.u32(p.alloc_hint);
  w.u16(p.context_id);
  w.u16(p.opnum);
  if (p.object) w.guid(*p.object);
  append_stub_and_auth(out, w, p);
  return out;
}

std::vector<std::byte> encode_response(const ResponsePdu& p) {
  std::vector<std::byte> out;
  PduWriter w(out);
  PduHeader h = p.header;
  h.type = PType::kResponse;
  write_common_header(w, h);
  w.u32(p.alloc_hint);
  w.u16(p.context_id);
  w.u8(p.cancel_count);
  w.u8(0);
  append_stub_and_auth(out, w, p);
  return out;
}

std::vector<std::byte> encode_fault(const FaultPdu& p) {
  std::vector<std::byte> out;
  PduWriter w(out);
  PduHeader h = p.header;
  h.type = PType::kFault;
  write_common_header(w, h);
  w.u32(p.alloc_hint);
  w.u16(p.context_id);
  w.u8(p.cancel_count);
  w.u8(0);
  w.u32(p.status);
  w.u32(0);
  append_stub_and_auth(out, w, p);
  return out;
}

}  // namespace guise::rpc
