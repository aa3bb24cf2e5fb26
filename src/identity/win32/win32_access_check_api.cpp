// AccessCheck and MapGenericMask over identity's access_check.
#include "base/log.h"
#include "guise/securitybaseapi.h"
#include "guise/winerror.h"
#include "identity/access_check.h"
#include "identity/win32/api_support.h"
#include "identity/win32/binary_security_descriptor.h"
#include "identity/win32/bytes.h"
#include "identity/win32/token_object.h"

using guise::identity::win32::fail;

extern "C" void WINAPI MapGenericMask(PDWORD AccessMask, PGENERIC_MAPPING GenericMapping) {
  if (AccessMask == nullptr || GenericMapping == nullptr) return;
  const guise::identity::GenericMapping mapping{GenericMapping->GenericRead, GenericMapping->GenericWrite,
                                                GenericMapping->GenericExecute, GenericMapping->GenericAll};
  *AccessMask = guise::identity::map_generic_mask(*AccessMask, mapping);
}

extern "C" BOOL WINAPI AccessCheck(PSECURITY_DESCRIPTOR pSecurityDescriptor, HANDLE ClientToken, DWORD DesiredAccess,
                                   PGENERIC_MAPPING GenericMapping, PPRIVILEGE_SET PrivilegeSet,
                                   LPDWORD PrivilegeSetLength, LPDWORD GrantedAccess, LPBOOL AccessStatus) {
  using namespace guise::identity::win32;
  const auto token = find_token(ClientToken);
  if (token == nullptr) return fail(ERROR_INVALID_HANDLE);
  // Windows probes these (a NULL PrivilegeSet is acceptable only with a length of 0).
  if (PrivilegeSetLength == nullptr || GrantedAccess == nullptr || AccessStatus == nullptr ||
      GenericMapping == nullptr || pSecurityDescriptor == nullptr) {
    return fail(ERROR_NOACCESS);
  }
  if (PrivilegeSet == nullptr && *PrivilegeSetLength != 0) return fail(ERROR_NOACCESS);
  if (!token->grants(TOKEN_QUERY)) return fail(ERROR_ACCESS_DENIED);
  if (token->type() != TokenImpersonation) return fail(ERROR_NO_IMPERSONATION_TOKEN);
  if (token->level() < SecurityIdentification) return fail(ERROR_BAD_IMPERSONATION_LEVEL);

  const auto binary = read_descriptor(pSecurityDescriptor);
  if (!binary.ok()) {
    guise::log::debug("AccessCheck: {}", binary.status().message());
    return fail(ERROR_INVALID_SECURITY_DESCR);
  }
  if (binary->owner.empty() || binary->group.empty()) return fail(ERROR_INVALID_SECURITY_DESCR);
  if (DesiredAccess & (GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL)) {
    return fail(ERROR_GENERIC_NOT_MAPPED);
  }
  if (*PrivilegeSetLength < sizeof(PRIVILEGE_SET)) {
    *PrivilegeSetLength = sizeof(PRIVILEGE_SET);
    return fail(ERROR_INSUFFICIENT_BUFFER);
  }
  // Only the DACL decides: a SACL with ACE types guise cannot represent must not stop the check.
  guise::identity::win32::BinaryDescriptor dacl_only = *binary;
  dacl_only.sacl.clear();
  dacl_only.control &= static_cast<WORD>(~SE_SACL_PRESENT);
  const auto content = interpret(dacl_only);
  if (!content.ok()) {
    // A DACL with ACEs guise cannot evaluate (object, callback ACEs) is refused, never half-evaluated.
    guise::log::debug("AccessCheck: {}", content.status().message());
    return fail(win32_error_code(content.status(), ERROR_INVALID_SECURITY_DESCR));
  }

  // No privileges are used: guise tokens hold none.
  PrivilegeSet->PrivilegeCount = 0;
  PrivilegeSet->Control = 0;
  if (DesiredAccess & ACCESS_SYSTEM_SECURITY) {
    // Granted only through SeSecurityPrivilege, never by a DACL.
    *GrantedAccess = 0;
    *AccessStatus = FALSE;
    SetLastError(ERROR_PRIVILEGE_NOT_HELD);
    return TRUE;
  }
  const guise::identity::GenericMapping mapping{GenericMapping->GenericRead, GenericMapping->GenericWrite,
                                                GenericMapping->GenericExecute, GenericMapping->GenericAll};
  const auto result = guise::identity::access_check(token->token(), content->descriptor, DesiredAccess, mapping);
  const ACCESS_MASK granted = result.granted ? result.granted_access & ~ACCESS_SYSTEM_SECURITY : 0;
  if (granted == 0) {
    *GrantedAccess = 0;
    *AccessStatus = FALSE;
    SetLastError(ERROR_ACCESS_DENIED);
    return TRUE;
  }
  *GrantedAccess = granted;
  *AccessStatus = TRUE;
  return TRUE;
}
