// api_support.h: what the Win32 security functions share — failing with a last-error code, and
// reading SIDs and ACLs through the untyped pointers Win32 passes them as.
//
// A PSID or PACL carries no length: sid_bytes/acl_bytes take exactly the bytes the structure's own
// header declares (at most 68 for a SID, AclSize for an ACL) and return an empty span for a NULL
// pointer or an impossible header, so nothing beyond that is ever read. Thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "guise/errhandlingapi.h"
#include "guise/winnt.h"
#include "identity/win32/binary_acl.h"
#include "identity/win32/binary_sid.h"

namespace guise::identity::win32 {

// Sets the calling thread's last error and returns FALSE: `return fail(ERROR_INVALID_SID);`.
inline BOOL fail(DWORD error) noexcept {
  SetLastError(error);
  return FALSE;
}

// The bytes of the SID at `sid` (revision 1, at most 15 sub-authorities), or an empty span.
inline std::span<const std::uint8_t> sid_bytes(const void* sid) noexcept {
  if (sid == nullptr) return {};
  const auto* p = static_cast<const std::uint8_t*>(sid);
  const std::size_t size = declared_sid_size(std::span<const std::uint8_t>(p, kSidHeaderSize));
  return size == 0 ? std::span<const std::uint8_t>() : std::span<const std::uint8_t>(p, size);
}

// The AclSize bytes of the ACL at `acl` (header checked, ACEs not), or an empty span.
inline std::span<const std::uint8_t> acl_bytes(const void* acl) noexcept {
  if (acl == nullptr) return {};
  const auto* p = static_cast<const std::uint8_t*>(acl);
  const std::size_t size = declared_acl_size(std::span<const std::uint8_t>(p, kAclHeaderSize));
  return size == 0 ? std::span<const std::uint8_t>() : std::span<const std::uint8_t>(p, size);
}

}  // namespace guise::identity::win32
