#include "identity/impersonation_level.h"

namespace guise::identity {

std::string_view impersonation_level_name(ImpersonationLevel level) noexcept {
  switch (level) {
    case ImpersonationLevel::kAnonymous: return "anonymous";
    case ImpersonationLevel::kIdentify: return "identify";
    case ImpersonationLevel::kImpersonate: return "impersonate";
    case ImpersonationLevel::kDelegate: return "delegate";
  }
  return "unknown";
}

}  // namespace guise::identity
