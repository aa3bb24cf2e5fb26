// decode_error.h: every way bytes from a peer can fail to be a valid PDU, as one closed enum.
//
// The decoders (pdu.h), reassembly and the associations report a DecodeError; decode_error_fault()
// maps each one, once, to the fault status C706/MS-RPCE prescribe, and decode_error_closes()
// says whether the stream can no longer be trusted (then the association is closed after the fault,
// because frame boundaries may be lost). Pure values: thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace guise::rpc {

enum class DecodeError : std::uint8_t {
  // Fewer bytes than the structure needs (a truncated header or body).
  kTruncated,
  // rpc_vers is not 5 or rpc_vers_minor is above 1.
  kBadVersion,
  // packed_drep is not little-endian/ASCII/IEEE (the only representation guise reads).
  kUnsupportedDataRepresentation,
  // PTYPE is not a connection-oriented type (or a type a client may not send).
  kUnknownPacketType,
  // frag_length is below the header size or differs from the bytes framed.
  kBadFragLength,
  // frag_length exceeds what this side announced it would receive (max_recv_frag).
  kFragTooLarge,
  // auth_length does not fit in the fragment with its 8-byte sec_trailer.
  kBadAuthLength,
  // sec_trailer's auth_pad_length reaches before the body.
  kBadAuthPadding,
  // A count (contexts, transfer syntaxes, results) exceeds the bytes present.
  kBadCount,
  // A count is within the bytes present but above what the Limits allow (contexts per bind,
  // transfer syntaxes per context): a bind gets bind_nak local_limit_exceeded for it.
  kCountOverLimit,
  // Bytes left over where the body must end.
  kTrailingBytes,
  // A field holds a value the spec forbids (e.g. zero transfer syntaxes, sec_addr without NUL).
  kBadField,
  // A fragment sequence is wrong: middle fragment without a first, a new first before the last.
  kBadFragmentSequence,
  // The reassembled call exceeds Limits::max_call_bytes.
  kCallTooLarge,
  // More calls in progress on one connection than Limits::max_calls_in_progress.
  kTooManyCalls,
  // The peer's share of the server's reassembly memory (or the server-wide budget) is used up.
  kOverMemoryBudget,
  // A PDU that is valid but not allowed now (request before bind, second bind, ...).
  kUnexpectedPdu,
  // A request names a presentation context that was never accepted.
  kUnknownContext,
};

std::string_view decode_error_name(DecodeError error) noexcept;
// The fault status this error is reported with (nca_s_proto_error, nca_s_unk_if, ...).
std::uint32_t decode_error_fault(DecodeError error) noexcept;
// Whether the association must be closed after reporting it (framing can no longer be trusted).
bool decode_error_closes(DecodeError error) noexcept;
// As a Status (kInvalidInput; kResourceExhausted for limits), message naming the error and `where`.
Status decode_error_status(DecodeError error, std::string_view where);

}  // namespace guise::rpc
