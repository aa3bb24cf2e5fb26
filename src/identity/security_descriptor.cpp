#include "identity/security_descriptor.h"

namespace guise::identity {

AccessMask map_generic_mask(AccessMask mask, const GenericMapping& mapping) noexcept {
  if (mask & kGenericRead) mask |= mapping.generic_read;
  if (mask & kGenericWrite) mask |= mapping.generic_write;
  if (mask & kGenericExecute) mask |= mapping.generic_execute;
  if (mask & kGenericAll) mask |= mapping.generic_all;
  return mask & ~(kGenericRead | kGenericWrite | kGenericExecute | kGenericAll);
}

}  // namespace guise::identity
