// binary_acl.h: ACLs and ACEs in MS-DTYP 2.4.5 / 2.4.4 binary form, checked and converted.
//
// An ACL is an 8-byte header (AclRevision 2..4, Sbz1, AclSize, AceCount, Sbz2) followed by AceCount
// ACEs inside AclSize bytes. Each ACE starts with a 4-byte header (AceType, AceFlags, AceSize, a
// multiple of 4). validate_acl checks the structure of every ACE type Windows defines — the SID of
// each SID-carrying type lies inside its ACE, the object GUIDs an object ACE announces are there — and
// reads nothing outside the bytes given. decode_acl turns a valid ACL into identity's Ace list, which
// holds access-allowed, access-denied, system-audit and mandatory-label ACEs; an ACL with any other
// type (object, callback, compound, resource-attribute ACEs) is refused with ERROR_NOT_SUPPORTED
// rather than evaluated without them. Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "identity/security_descriptor.h"

namespace guise::identity::win32 {

inline constexpr std::size_t kAclHeaderSize = 8;
inline constexpr std::size_t kMaxAclSize = 0xFFFF;  // AclSize is 16 bits

// The AclSize the header at `bytes` declares, or 0 when the header does not fit or its revision is
// not 2..4.
std::size_t declared_acl_size(std::span<const std::uint8_t> bytes) noexcept;

// Checks the ACL at the start of `bytes` (which must hold all AclSize bytes); returns AclSize.
// Errors carry ERROR_INVALID_ACL (or ERROR_INVALID_SID for a malformed SID inside an ACE).
Result<std::size_t> validate_acl(std::span<const std::uint8_t> bytes);

// The ACEs of the ACL at the start of `bytes`, validated first.
Result<std::vector<Ace>> decode_acl(std::span<const std::uint8_t> bytes);

// An ACL (ACL_REVISION) holding `aces` in order. ERROR_INVALID_ACL when it would exceed 65535 bytes.
Result<std::vector<std::uint8_t>> encode_acl(const std::vector<Ace>& aces);

}  // namespace guise::identity::win32
