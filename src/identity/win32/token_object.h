// token_object.h: an access token behind a Win32 HANDLE (OpenThreadToken, OpenProcessToken,
// DuplicateToken), living in the process's HandleTable so CloseHandle closes it.
//
// A TokenObject is a snapshot: the identity Token it names (immutable), whether it is a primary
// (process) or an impersonation (thread) token, and the access the handle was opened with. As on
// Windows, a handle to a thread's token keeps naming that identity after the thread reverts. Waits
// refuse tokens (they are not Waitable). Immutable after construction: thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "base/kernel_object.h"
#include "guise/winnt.h"
#include "identity/token.h"

namespace guise::identity::win32 {

class TokenObject final : public KernelObject {
 public:
  TokenObject(Token token, TOKEN_TYPE type, ACCESS_MASK granted_access)
      : token_(std::move(token)), type_(type), granted_access_(granted_access) {}

  std::string_view kind() const noexcept override { return "token"; }

  const Token& token() const noexcept { return token_; }
  TOKEN_TYPE type() const noexcept { return type_; }
  ACCESS_MASK granted_access() const noexcept { return granted_access_; }
  bool grants(ACCESS_MASK access) const noexcept { return (granted_access_ & access) == access; }
  // Meaningful for impersonation tokens only.
  SECURITY_IMPERSONATION_LEVEL level() const noexcept {
    return static_cast<SECURITY_IMPERSONATION_LEVEL>(static_cast<int>(token_.level()) - 1);
  }

 private:
  Token token_;
  TOKEN_TYPE type_;
  ACCESS_MASK granted_access_;
};

// The token `handle` names, or null (not a handle, or not a token).
std::shared_ptr<TokenObject> find_token(HANDLE handle);

// guise's ImpersonationLevel for a SECURITY_IMPERSONATION_LEVEL (one more), or nullopt if out of range.
std::optional<ImpersonationLevel> level_from_win32(int level) noexcept;

}  // namespace guise::identity::win32
