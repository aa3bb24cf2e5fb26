// The ACL functions of securitybaseapi.h: building an ACL ACE by ACE, as COM servers do before
// CoInitializeSecurity, and reading it back.
#include <cstring>

#include "guise/securitybaseapi.h"
#include "guise/winerror.h"
#include "identity/win32/api_support.h"
#include "identity/win32/binary_acl.h"
#include "identity/win32/bytes.h"

using guise::identity::win32::acl_bytes;
using guise::identity::win32::fail;

namespace {

// Offset just past the last ACE of a valid ACL.
std::size_t end_of_aces(std::span<const std::uint8_t> acl) {
  std::size_t at = guise::identity::win32::kAclHeaderSize;
  const std::size_t count = guise::identity::win32::load_u16(acl.data() + 4);
  for (std::size_t i = 0; i < count; ++i) at += guise::identity::win32::load_u16(acl.data() + at + 2);
  return at;
}

BOOL add_ace(PACL pAcl, DWORD dwAceRevision, BYTE type, DWORD AceFlags, DWORD AccessMask, PSID pSid) {
  using namespace guise::identity::win32;
  const auto acl = acl_bytes(pAcl);
  if (acl.empty() || !validate_acl(acl).ok()) return fail(ERROR_INVALID_ACL);
  const auto sid = sid_bytes(pSid);
  if (sid.empty()) return fail(ERROR_INVALID_SID);
  if (dwAceRevision < MIN_ACL_REVISION || dwAceRevision > MAX_ACL_REVISION) return fail(ERROR_REVISION_MISMATCH);
  if (AceFlags & ~static_cast<DWORD>(VALID_INHERIT_FLAGS)) return fail(ERROR_INVALID_PARAMETER);
  const std::size_t at = end_of_aces(acl);
  const std::size_t ace_size = 8 + sid.size();
  if (ace_size > acl.size() - at) return fail(ERROR_ALLOTTED_SPACE_EXCEEDED);

  auto* p = reinterpret_cast<std::uint8_t*>(pAcl);
  p[at] = type;
  p[at + 1] = static_cast<std::uint8_t>(AceFlags);
  store_u16(p + at + 2, static_cast<std::uint16_t>(ace_size));
  store_u32(p + at + 4, AccessMask);
  std::memcpy(p + at + 8, sid.data(), sid.size());
  store_u16(p + 4, static_cast<std::uint16_t>(load_u16(p + 4) + 1));
  if (p[0] < dwAceRevision) p[0] = static_cast<std::uint8_t>(dwAceRevision);
  return TRUE;
}

}  // namespace

extern "C" {

BOOL WINAPI InitializeAcl(PACL pAcl, DWORD nAclLength, DWORD dwAclRevision) {
  if (pAcl == nullptr) return fail(ERROR_INVALID_PARAMETER);
  if (nAclLength < sizeof(ACL)) return fail(ERROR_INSUFFICIENT_BUFFER);
  if (nAclLength > guise::identity::win32::kMaxAclSize) return fail(ERROR_INVALID_PARAMETER);
  if (dwAclRevision < MIN_ACL_REVISION || dwAclRevision > MAX_ACL_REVISION) return fail(ERROR_INVALID_PARAMETER);
  auto* p = reinterpret_cast<std::uint8_t*>(pAcl);
  std::memset(p, 0, sizeof(ACL));
  p[0] = static_cast<std::uint8_t>(dwAclRevision);
  guise::identity::win32::store_u16(p + 2, static_cast<std::uint16_t>(nAclLength & ~DWORD{3}));
  return TRUE;
}

BOOL WINAPI IsValidAcl(PACL pAcl) {
  const auto acl = acl_bytes(pAcl);
  return !acl.empty() && guise::identity::win32::validate_acl(acl).ok() ? TRUE : FALSE;
}

BOOL WINAPI AddAccessAllowedAce(PACL pAcl, DWORD dwAceRevision, DWORD AccessMask, PSID pSid) {
  return add_ace(pAcl, dwAceRevision, ACCESS_ALLOWED_ACE_TYPE, 0, AccessMask, pSid);
}

BOOL WINAPI AddAccessAllowedAceEx(PACL pAcl, DWORD dwAceRevision, DWORD AceFlags, DWORD AccessMask, PSID pSid) {
  return add_ace(pAcl, dwAceRevision, ACCESS_ALLOWED_ACE_TYPE, AceFlags, AccessMask, pSid);
}

BOOL WINAPI AddAccessDeniedAce(PACL pAcl, DWORD dwAceRevision, DWORD AccessMask, PSID pSid) {
  return add_ace(pAcl, dwAceRevision, ACCESS_DENIED_ACE_TYPE, 0, AccessMask, pSid);
}

BOOL WINAPI AddAccessDeniedAceEx(PACL pAcl, DWORD dwAceRevision, DWORD AceFlags, DWORD AccessMask, PSID pSid) {
  return add_ace(pAcl, dwAceRevision, ACCESS_DENIED_ACE_TYPE, AceFlags, AccessMask, pSid);
}

BOOL WINAPI GetAce(PACL pAcl, DWORD dwAceIndex, LPVOID* pAce) {
  using namespace guise::identity::win32;
  if (pAce == nullptr) return fail(ERROR_INVALID_PARAMETER);
  const auto acl = acl_bytes(pAcl);
  if (acl.empty() || !validate_acl(acl).ok()) return fail(ERROR_INVALID_ACL);
  if (dwAceIndex >= load_u16(acl.data() + 4)) return fail(ERROR_INVALID_PARAMETER);
  std::size_t at = kAclHeaderSize;
  for (DWORD i = 0; i < dwAceIndex; ++i) at += load_u16(acl.data() + at + 2);
  *pAce = reinterpret_cast<std::uint8_t*>(pAcl) + at;
  return TRUE;
}

}  // extern "C"
