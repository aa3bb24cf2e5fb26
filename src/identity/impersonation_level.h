// impersonation_level.h: how far a server may act as its caller, with RPC_C_IMP_LEVEL_* values.
//
// The numeric values are Windows' (RPC_C_IMP_LEVEL_ANONYMOUS = 1 ... DELEGATE = 4), so they travel on
// the wire and through the COM surface unchanged. DESIGN.md decision 4 and spec §4 L1 say what the
// kernel sees at each level. Plain values: thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace guise::identity {

enum class ImpersonationLevel : std::uint32_t {
  kAnonymous = 1,    // kernel: unprivileged ids; token: Anonymous Logon (names no one)
  kIdentify = 2,     // kernel: unprivileged ids; token: names the caller (queries, AccessCheck)
  kImpersonate = 3,  // kernel: the caller's uid, gid and groups
  kDelegate = 4,     // on one machine exactly as kImpersonate (spec R62)
};

std::string_view impersonation_level_name(ImpersonationLevel level) noexcept;

// Whether the kernel takes on the caller's own ids at this level (impersonate/delegate).
constexpr bool applies_caller_ids(ImpersonationLevel level) noexcept {
  return level == ImpersonationLevel::kImpersonate || level == ImpersonationLevel::kDelegate;
}

}  // namespace guise::identity
