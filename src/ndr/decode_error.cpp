#include "ndr/decode_error.h"

#include <string>

namespace guise::ndr {

std::string_view decode_error_name(DecodeError error) noexcept {
  switch (error) {
    case DecodeError::kTruncated: return "Truncated";
    case DecodeError::kCountTooLarge: return "CountTooLarge";
    case DecodeError::kVaryingOutOfBounds: return "VaryingOutOfBounds";
    case DecodeError::kConformanceMismatch: return "ConformanceMismatch";
    case DecodeError::kStringNotTerminated: return "StringNotTerminated";
    case DecodeError::kNullRefPointer: return "NullRefPointer";
    case DecodeError::kBadUnionDiscriminant: return "BadUnionDiscriminant";
    case DecodeError::kBadEnumValue: return "BadEnumValue";
    case DecodeError::kBadReferentId: return "BadReferentId";
    case DecodeError::kTooDeep: return "TooDeep";
    case DecodeError::kAllocationLimit: return "AllocationLimit";
    case DecodeError::kTrailingBytes: return "TrailingBytes";
    case DecodeError::kUnsupportedDataRepresentation: return "UnsupportedDataRepresentation";
    case DecodeError::kBadInterfacePointer: return "BadInterfacePointer";
  }
  return "Unknown";
}

Status decode_error_status(DecodeError error, std::size_t offset) {
  std::string message = "ndr: ";
  message += decode_error_name(error);
  message += " at offset ";
  message += std::to_string(offset);
  return Status(StatusCode::kInvalidInput, std::move(message), kHresultBadStubData);
}

}  // namespace guise::ndr
