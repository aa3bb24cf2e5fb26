// pdu.h: the connection-oriented DCE/RPC PDUs as typed values, and their decoders and encoders.
//
// decode_pdu() turns exactly one fragment (frag_length bytes, framed by frame_length()) into one of
// the typed PDUs below, validating the common header (version 5.0/5.1, little-endian NDR data
// representation, frag_length and auth_length consistent with the bytes), every count against the
// bytes present and the Limits, and that nothing is left over where the body must end. Code past
// the decoder never sees raw bytes. Sources: C706 §12.6, MS-RPCE §2.2.2 and §2.2.1.1.7 (sec_trailer).
//
// Ownership: every field is owned, except the stub data of request/response/fault, which is a view
// into the fragment buffer: on the call path a single-fragment request goes to its handler without a
// copy (DESIGN decision 6). Such a view is valid while the caller keeps the fragment bytes.
//
// The encoders build PDUs we send; they assert on our own misuse (a value that cannot be encoded)
// and never see peer data. Thread-safety: pure functions on values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "guise/guiddef.h"
#include "rpc/limits.h"
#include "rpc/pdu_reader.h"
#include "rpc/wire_constants.h"

namespace guise::rpc {

struct PduHeader {
  std::uint8_t version_minor = 0;
  PType type = PType::kRequest;
  std::uint8_t flags = 0;
  std::array<std::uint8_t, 4> drep = {kDrepLittleEndianAscii, kDrepIeeeFloat, 0, 0};
  std::uint16_t frag_length = 0;
  std::uint16_t auth_length = 0;
  std::uint32_t call_id = 0;

  bool has_flag(std::uint8_t flag) const noexcept { return (flags & flag) != 0; }
};

// sec_trailer and auth_value (MS-RPCE §2.2.2.11; C706 §13.2.6.1).
struct AuthVerifier {
  std::uint8_t auth_type = 0;
  std::uint8_t auth_level = 0;
  std::uint8_t auth_pad_length = 0;
  std::uint8_t auth_reserved = 0;
  std::uint32_t auth_context_id = 0;
  std::vector<std::byte> auth_value;
};

struct ContextElement {
  std::uint16_t context_id = 0;
  SyntaxId abstract_syntax;
  std::vector<SyntaxId> transfer_syntaxes;
};

// bind and alter_context (C706 §12.6.4.3, §12.6.4.1): header.type tells them apart.
struct BindPdu {
  PduHeader header;
  std::uint16_t max_xmit_frag = 0;
  std::uint16_t max_recv_frag = 0;
  std::uint32_t assoc_group_id = 0;
  std::vector<ContextElement> contexts;
  std::optional<AuthVerifier> auth;
};

struct ContextResultEntry {
  ContextResult result = ContextResult::kAcceptance;
  std::uint16_t reason = 0;  // ContextRejectReason, or the feature bitmask for kNegotiateAck
  SyntaxId transfer_syntax;
};

// bind_ack and alter_context_resp (C706 §12.6.4.4, §12.6.4.2).
struct BindAckPdu {
  PduHeader header;
  std::uint16_t max_xmit_frag = 0;
  std::uint16_t max_recv_frag = 0;
  std::uint32_t assoc_group_id = 0;
  std::string secondary_address;  // sec_addr without its NUL ("" for alter_context_resp)
  std::vector<ContextResultEntry> results;
  std::optional<AuthVerifier> auth;
};

// bind_nak (C706 §12.6.4.5).
struct BindNakPdu {
  PduHeader header;
  std::uint16_t reason = 0;  // BindNakReason
  std::vector<std::array<std::uint8_t, 2>> versions;  // protocol versions supported (major, minor)
};

// request (C706 §12.6.4.9). stub: view into the fragment.
struct RequestPdu {
  PduHeader header;
  std::uint32_t alloc_hint = 0;
  std::uint16_t context_id = 0;
  std::uint16_t opnum = 0;
  std::optional<GUID> object;  // present iff PFC_OBJECT_UUID
  std::span<const std::byte> stub;
  std::optional<AuthVerifier> auth;
};

// response (C706 §12.6.4.10). stub: view into the fragment.
struct ResponsePdu {
  PduHeader header;
  std::uint32_t alloc_hint = 0;
  std::uint16_t context_id = 0;
  std::uint8_t cancel_count = 0;
  std::span<const std::byte> stub;
  std::optional<AuthVerifier> auth;
};

// fault (C706 §12.6.4.7; MS-RPCE §2.2.2.9 names the reserved octet and u32 that follow).
struct FaultPdu {
  PduHeader header;
  std::uint32_t alloc_hint = 0;
  std::uint16_t context_id = 0;
  std::uint8_t cancel_count = 0;
  std::uint32_t status = 0;
  std::span<const std::byte> stub;
  std::optional<AuthVerifier> auth;
};

// auth3 (MS-RPCE §2.2.2.10): 4 pad octets, then the verifier (required).
struct Auth3Pdu {
  PduHeader header;
  AuthVerifier auth;
};
// shutdown (C706 §12.6.4.11): server → client, no body.
struct ShutdownPdu {
  PduHeader header;
};
// co_cancel (C706 §12.6.4.6) and orphaned (§12.6.4.8): header plus an optional verifier.
struct CancelPdu {
  PduHeader header;
  std::optional<AuthVerifier> auth;
};
struct OrphanedPdu {
  PduHeader header;
  std::optional<AuthVerifier> auth;
};

using Pdu = std::variant<BindPdu, BindAckPdu, BindNakPdu, RequestPdu, ResponsePdu, FaultPdu, Auth3Pdu,
                         ShutdownPdu, CancelPdu, OrphanedPdu>;

// --- decoding ---

// Validates the 16-byte common header at the start of `bytes` (version, data representation,
// packet type, frag_length ≥ 16, auth_length fitting in frag_length with its sec_trailer).
Decoded<PduHeader> decode_header(std::span<const std::byte> bytes) noexcept;

// Stream framing: given what has arrived so far, the length of the first fragment once its header is
// complete (0 while fewer than 16 bytes are there). A header that fails decode_header, or a
// frag_length above `max_recv_frag`, fails here — before any of the body is buffered.
Decoded<std::size_t> frame_length(std::span<const std::byte> received, std::uint16_t max_recv_frag) noexcept;

// Decodes exactly one fragment (its size must equal frag_length).
Decoded<Pdu> decode_pdu(std::span<const std::byte> fragment, const Limits& limits);

// --- encoding (our own values only) ---

std::vector<std::byte> encode_bind(const BindPdu& pdu);      // bind or alter_context per header.type
std::vector<std::byte> encode_bind_ack(const BindAckPdu& pdu);  // bind_ack or alter_context_resp
std::vector<std::byte> encode_bind_nak(const BindNakPdu& pdu);
std::vector<std::byte> encode_request(const RequestPdu& pdu);
std::vector<std::byte> encode_response(const ResponsePdu& pdu);
std::vector<std::byte> encode_fault(const FaultPdu& pdu);
std::vector<std::byte> encode_auth3(const Auth3Pdu& pdu);
std::vector<std::byte> encode_shutdown(const ShutdownPdu& pdu);
std::vector<std::byte> encode_cancel(const CancelPdu& pdu);
std::vector<std::byte> encode_orphaned(const OrphanedPdu& pdu);

// The 24 (or 40, with an object UUID) header bytes of one request/response fragment, for writers
// that send the stub from its own buffer (writev) instead of copying it behind the header.
struct CallFragmentHeader {
  PType type = PType::kRequest;  // kRequest or kResponse
  std::uint8_t flags = 0;
  std::uint32_t call_id = 0;
  std::uint16_t frag_length = 0;
  std::uint16_t auth_length = 0;
  std::uint32_t alloc_hint = 0;
  std::uint16_t context_id = 0;
  std::uint16_t opnum = 0;        // request only
  std::uint8_t cancel_count = 0;  // response only
  std::optional<GUID> object;     // request only; sets PFC_OBJECT_UUID
};
inline constexpr std::size_t kMaxCallHeaderSize = kRequestHeaderSize + kObjectUuidSize;
// Writes the header into `out`; returns the number of bytes written (24 or 40).
std::size_t write_call_fragment_header(const CallFragmentHeader& h,
                                       std::span<std::byte, kMaxCallHeaderSize> out) noexcept;

// Writes the common header fields (frag_length/auth_length included) through a writer.
void write_common_header(class PduWriter& w, const PduHeader& header);

}  // namespace guise::rpc
