// access_check.h: Windows' AccessCheck over a Token and a SecurityDescriptor.
//
// Semantics are Windows': generic rights are mapped first; a NULL DACL grants everything asked for;
// an empty DACL grants nothing (beyond owner rights); ACEs are walked in order, inherit-only ACEs are
// skipped, an allow ACE grants its bits that are still wanted, a deny ACE that hits a still-wanted bit
// denies the request; the owner is implicitly granted READ_CONTROL and WRITE_DAC unless the DACL has an
// OWNER RIGHTS (S-1-3-4) ACE. MAXIMUM_ALLOWED computes every right the token could get.
// ACCESS_SYSTEM_SECURITY (the right to the SACL) is never granted by a DACL, a NULL DACL or an ACE:
// on Windows only SeSecurityPrivilege grants it, and guise tokens hold no privileges, so a request
// for it is refused (privilege_not_held) and MAXIMUM_ALLOWED never includes it. Membership is
// the token's user SID and group_sids(); an anonymous token holds only Anonymous Logon (Everyone does
// not include anonymous, as on Windows since XP). Pure function: thread-safe.
#pragma once

#include "identity/security_descriptor.h"
#include "identity/token.h"

namespace guise::identity {

struct AccessCheckResult {
  bool granted = false;
  AccessMask granted_access = 0;  // what was granted (all of `desired` when granted)
  // ACCESS_SYSTEM_SECURITY was asked for: Windows' AccessCheck fails with ERROR_PRIVILEGE_NOT_HELD.
  bool privilege_not_held = false;
};

AccessCheckResult access_check(const Token& token, const SecurityDescriptor& descriptor,
                               AccessMask desired, const GenericMapping& mapping);

}  // namespace guise::identity
