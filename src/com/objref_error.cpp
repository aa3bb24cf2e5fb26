#include "com/objref_error.h"

#include <fmt/format.h>

#include "guise/winerror.h"

namespace guise::com {

std::string_view objref_error_name(ObjrefError error) noexcept {
  switch (error) {
    case ObjrefError::kTruncated: return "Truncated";
    case ObjrefError::kBadSignature: return "BadSignature";
    case ObjrefError::kBadKind: return "BadKind";
    case ObjrefError::kUnsupportedKind: return "UnsupportedKind";
    case ObjrefError::kNullIid: return "NullIid";
    case ObjrefError::kBadSecurityOffset: return "BadSecurityOffset";
    case ObjrefError::kUnterminatedBinding: return "UnterminatedBinding";
    case ObjrefError::kTooManyBindings: return "TooManyBindings";
    case ObjrefError::kTrailingBytes: return "TrailingBytes";
  }
  return "Unknown";
}

Status objref_error_status(ObjrefError error, std::size_t offset) {
  return Status(StatusCode::kInvalidInput,
                fmt::format("objref: {} at offset {}", objref_error_name(error), offset), RPC_E_INVALID_OBJREF);
}

}  // namespace guise::com
