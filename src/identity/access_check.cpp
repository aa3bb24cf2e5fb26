#include "identity/access_check.h"

namespace guise::identity {

AccessCheckResult access_check(const Token& token, const SecurityDescriptor& descriptor, AccessMask desired,
                               const GenericMapping& mapping) {
  const bool maximum_allowed = (desired & kMaximumAllowed) != 0;
  desired = map_generic_mask(desired & ~kMaximumAllowed, mapping);
  // The SACL right comes from a privilege only, never from a DACL (and no token holds privileges).
  if (desired & kAccessSystemSecurity) return AccessCheckResult{false, 0, true};
  // What a DACL (or the lack of one) can grant at all.
  const auto grantable = [&](AccessMask mask) { return map_generic_mask(mask, mapping) & ~kAccessSystemSecurity; };

  if (!descriptor.dacl) {
    // NULL DACL: no protection at all.
    const AccessMask all = maximum_allowed ? desired | grantable(kGenericAll) : desired;
    return AccessCheckResult{all != 0, all};
  }

  const bool is_owner = descriptor.owner && token.has_sid(*descriptor.owner);
  bool owner_rights_ace = false;
  for (const Ace& ace : *descriptor.dacl) {
    if (!(ace.flags & kInheritOnlyAce) && ace.sid == well_known::kOwnerRights()) owner_rights_ace = true;
  }

  AccessMask granted = 0;
  AccessMask denied = 0;
  // The owner may always read and change the DACL, unless OWNER RIGHTS ACEs say what the owner gets.
  if (is_owner && !owner_rights_ace) granted |= kReadControl | kWriteDac;

  for (const Ace& ace : *descriptor.dacl) {
    if (ace.flags & kInheritOnlyAce) continue;  // applies to children only
    const bool applies = token.has_sid(ace.sid) || (is_owner && ace.sid == well_known::kOwnerRights());
    if (!applies) continue;
    const AccessMask mask = grantable(ace.mask);
    // First match wins per bit: a bit denied earlier cannot be granted later, and vice versa.
    if (ace.type == AceType::kAccessAllowed) {
      granted |= mask & ~denied;
    } else if (ace.type == AceType::kAccessDenied) {
      denied |= mask & ~granted;
    }
    if (!maximum_allowed) {
      if (desired & denied) return AccessCheckResult{false, 0};
      if ((desired & ~granted) == 0) break;
    }
  }

  if (maximum_allowed) {
    const bool ok = (desired & ~granted) == 0 && granted != 0;
    return AccessCheckResult{ok, ok ? granted : 0};
  }
  // Asking for nothing is not a grant (Windows answers access denied).
  const bool ok = desired != 0 && (desired & ~granted) == 0;
  return AccessCheckResult{ok, ok ? desired : 0};
}

}  // namespace guise::identity
