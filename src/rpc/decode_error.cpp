// decode_error.cpp: names of decode errors and the one mapping to fault statuses.
#include "rpc/decode_error.h"

#include <string>

#include "rpc/fault_status.h"

namespace guise::rpc {

std::string_view decode_error_name(DecodeError e) noexcept {
  switch (e) {
    case DecodeError::kTruncated: return "kTruncated";
    case DecodeError::kBadVersion: return "kBadVersion";
    case DecodeError::kUnsupportedDataRepresentation: return "kUnsupportedDataRepresentation";
    case DecodeError::kUnknownPacketType: return "kUnknownPacketType";
    case DecodeError::kBadFragLength: return "kBadFragLength";
    case DecodeError::kFragTooLarge: return "kFragTooLarge";
    case DecodeError::kBadAuthLength: return "kBadAuthLength";
    case DecodeError::kBadAuthPadding: return "kBadAuthPadding";
    case DecodeError::kBadCount: return "kBadCount";
    case DecodeError::kCountOverLimit: return "kCountOverLimit";
    case DecodeError::kTrailingBytes: return "kTrailingBytes";
    case DecodeError::kBadField: return "kBadField";
    case DecodeError::kBadFragmentSequence: return "kBadFragmentSequence";
    case DecodeError::kCallTooLarge: return "kCallTooLarge";
    case DecodeError::kTooManyCalls: return "kTooManyCalls";
    case DecodeError::kOverMemoryBudget: return "kOverMemoryBudget";
    case DecodeError::kUnexpectedPdu: return "kUnexpectedPdu";
    case DecodeError::kUnknownContext: return "kUnknownContext";
  }
  return "kUnknown";
}

std::uint32_t decode_error_fault(DecodeError e) noexcept {
  switch (e) {
    // C706 §12.6.4.7 / MS-RPCE §3.3.3.5.2: an unknown presentation context is reported as an
    // unknown interface.
    case DecodeError::kUnknownContext: return kNcaUnknownInterface;
    // Limits: the server cannot take more (C706 nca_s_server_too_busy / out_args_too_big).
    case DecodeError::kCallTooLarge: return kNcaFaultRemoteNoMemory;
    case DecodeError::kOverMemoryBudget: return kNcaFaultRemoteNoMemory;
    case DecodeError::kTooManyCalls: return kNcaServerTooBusy;
    // Everything else is a protocol violation.
    default: return kNcaProtoError;
  }
}

bool decode_error_closes(DecodeError e) noexcept {
  // Only an unknown context leaves the stream intact and the association usable (the fragment was
  // well-formed; its call simply fails). Every other error means we cannot trust the peer's framing
  // or state machine any more.
  return e != DecodeError::kUnknownContext;
}

Status decode_error_status(DecodeError e, std::string_view where) {
  std::string message = std::string(where) + ": " + std::string(decode_error_name(e));
  if (e == DecodeError::kCallTooLarge || e == DecodeError::kTooManyCalls || e == DecodeError::kOverMemoryBudget) {
    return resource_exhausted(std::move(message));
  }
  return invalid_input(std::move(message));
}

}  // namespace guise::rpc
