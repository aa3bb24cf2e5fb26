// The SID functions of securitybaseapi.h and sddl.h: validity, comparison, construction, and text.
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/utf16.h"
#include "guise/sddl.h"
#include "guise/securitybaseapi.h"
#include "guise/winbase.h"
#include "guise/winerror.h"
#include "identity/sddl.h"
#include "identity/win32/api_support.h"
#include "identity/win32/binary_sid.h"
#include "identity/win32/bytes.h"
#include "identity/win32/local_text.h"

using guise::identity::win32::fail;
using guise::identity::win32::sid_bytes;

namespace {

std::uint8_t* sid_address(PSID sid) { return static_cast<std::uint8_t*>(sid); }

}  // namespace

extern "C" {

BOOL WINAPI IsValidSid(PSID pSid) { return sid_bytes(pSid).empty() ? FALSE : TRUE; }

BOOL WINAPI EqualSid(PSID pSid1, PSID pSid2) {
  const auto a = sid_bytes(pSid1);
  const auto b = sid_bytes(pSid2);
  if (a.empty() || b.empty()) return fail(ERROR_INVALID_SID);
  if (a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0) return TRUE;
  return fail(ERROR_SUCCESS);
}

DWORD WINAPI GetLengthSid(PSID pSid) { return static_cast<DWORD>(sid_bytes(pSid).size()); }

DWORD WINAPI GetSidLengthRequired(UCHAR nSubAuthorityCount) {
  return static_cast<DWORD>(guise::identity::win32::sid_size_for(nSubAuthorityCount));
}

BOOL WINAPI CopySid(DWORD nDestinationSidLength, PSID pDestinationSid, PSID pSourceSid) {
  const auto source = sid_bytes(pSourceSid);
  if (source.empty()) return fail(ERROR_INVALID_SID);
  if (nDestinationSidLength < source.size()) return fail(ERROR_INSUFFICIENT_BUFFER);
  if (pDestinationSid == nullptr) return fail(ERROR_INVALID_PARAMETER);
  std::memmove(pDestinationSid, source.data(), source.size());
  return TRUE;
}

BOOL WINAPI InitializeSid(PSID Sid, PSID_IDENTIFIER_AUTHORITY pIdentifierAuthority, BYTE nSubAuthorityCount) {
  if (Sid == nullptr || pIdentifierAuthority == nullptr || nSubAuthorityCount > SID_MAX_SUB_AUTHORITIES) {
    return fail(ERROR_INVALID_PARAMETER);
  }
  std::uint8_t* p = sid_address(Sid);
  p[0] = SID_REVISION;
  p[1] = nSubAuthorityCount;
  std::memcpy(p + 2, pIdentifierAuthority->Value, 6);
  return TRUE;
}

BOOL WINAPI AllocateAndInitializeSid(PSID_IDENTIFIER_AUTHORITY pIdentifierAuthority, BYTE nSubAuthorityCount,
                                     DWORD nSubAuthority0, DWORD nSubAuthority1, DWORD nSubAuthority2,
                                     DWORD nSubAuthority3, DWORD nSubAuthority4, DWORD nSubAuthority5,
                                     DWORD nSubAuthority6, DWORD nSubAuthority7, PSID* pSid) {
  if (pIdentifierAuthority == nullptr || pSid == nullptr) return fail(ERROR_INVALID_PARAMETER);
  if (nSubAuthorityCount > 8) return fail(ERROR_INVALID_SID);
  const DWORD subs[8] = {nSubAuthority0, nSubAuthority1, nSubAuthority2, nSubAuthority3,
                         nSubAuthority4, nSubAuthority5, nSubAuthority6, nSubAuthority7};
  const std::size_t size = guise::identity::win32::sid_size_for(nSubAuthorityCount);
  auto* p = static_cast<std::uint8_t*>(std::malloc(size));
  if (p == nullptr) return fail(ERROR_NOT_ENOUGH_MEMORY);
  InitializeSid(p, pIdentifierAuthority, nSubAuthorityCount);
  for (BYTE i = 0; i < nSubAuthorityCount; ++i) guise::identity::win32::store_u32(p + 8 + 4 * i, subs[i]);
  *pSid = p;
  return TRUE;
}

PVOID WINAPI FreeSid(PSID pSid) {
  std::free(pSid);
  return nullptr;
}

PSID_IDENTIFIER_AUTHORITY WINAPI GetSidIdentifierAuthority(PSID pSid) {
  if (sid_bytes(pSid).empty()) {
    SetLastError(ERROR_INVALID_SID);
    return nullptr;
  }
  SetLastError(ERROR_SUCCESS);
  return &static_cast<SID*>(pSid)->IdentifierAuthority;
}

PUCHAR WINAPI GetSidSubAuthorityCount(PSID pSid) {
  if (sid_bytes(pSid).empty()) {
    SetLastError(ERROR_INVALID_SID);
    return nullptr;
  }
  SetLastError(ERROR_SUCCESS);
  return sid_address(pSid) + 1;
}

PDWORD WINAPI GetSidSubAuthority(PSID pSid, DWORD nSubAuthority) {
  if (sid_bytes(pSid).empty()) {
    SetLastError(ERROR_INVALID_SID);
    return nullptr;
  }
  if (nSubAuthority >= sid_address(pSid)[1]) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  SetLastError(ERROR_SUCCESS);
  return reinterpret_cast<PDWORD>(sid_address(pSid) + 8 + 4 * std::size_t{nSubAuthority});
}

BOOL WINAPI ConvertSidToStringSidA(PSID Sid, LPSTR* StringSid) {
  if (Sid == nullptr || StringSid == nullptr) return fail(ERROR_INVALID_PARAMETER);
  const auto sid = guise::identity::win32::decode_sid(sid_bytes(Sid));
  if (!sid.ok()) return fail(ERROR_INVALID_SID);
  return guise::identity::win32::local_text(sid->to_string(), StringSid);
}

BOOL WINAPI ConvertSidToStringSidW(PSID Sid, LPWSTR* StringSid) {
  if (Sid == nullptr || StringSid == nullptr) return fail(ERROR_INVALID_PARAMETER);
  const auto sid = guise::identity::win32::decode_sid(sid_bytes(Sid));
  if (!sid.ok()) return fail(ERROR_INVALID_SID);
  return guise::identity::win32::local_text(sid->to_string(), StringSid);
}

BOOL WINAPI ConvertStringSidToSidA(LPCSTR StringSid, PSID* Sid) {
  if (StringSid == nullptr || Sid == nullptr) return fail(ERROR_INVALID_PARAMETER);
  const auto sid = guise::identity::parse_sddl_sid(StringSid);
  if (!sid.ok()) return fail(ERROR_INVALID_SID);
  const std::vector<std::uint8_t> bytes = guise::identity::win32::encode_sid(*sid);
  return guise::identity::win32::local_copy(bytes, Sid);
}

BOOL WINAPI ConvertStringSidToSidW(LPCWSTR StringSid, PSID* Sid) {
  if (StringSid == nullptr || Sid == nullptr) return fail(ERROR_INVALID_PARAMETER);
  return ConvertStringSidToSidA(guise::utf16_to_utf8(StringSid).c_str(), Sid);
}

}  // extern "C"
