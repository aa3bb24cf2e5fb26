// random_guid.h: new random GUIDs (RFC 4122 version 4), as UuidCreate/CoCreateGuid make them.
//
// 122 random bits from the kernel (getrandom), with the version (4) and variant (10xx) bits set, so
// values from different processes and boots do not collide in practice. Used for causality ids and
// other identifiers that must be unique, not secret. Thread-safe.
#pragma once

#include "guise/guiddef.h"

namespace guise {

GUID random_guid();

}  // namespace guise
