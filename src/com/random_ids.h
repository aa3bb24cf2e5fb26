// random_ids.h: the identifiers COM remoting hands out — OXIDs, OIDs, IPIDs, ping-set ids,
// causality ids.
//
// IPIDs and OIDs are capabilities in practice: a peer that knows an IPID can call it. So every
// identifier a peer could use to reach an object or a ping set comes from the kernel's CSPRNG
// (getrandom), 64 or 122 random bits — never a counter another client could guess. Causality ids
// only label a chain of calls and come from a cheap per-thread generator seeded from getrandom.
// Thread-safe.
#pragma once

#include <cstdint>

#include "guise/guiddef.h"

namespace guise::com {

// A nonzero 64-bit value from getrandom.
std::uint64_t random_id64();
// A version-4 GUID from getrandom.
GUID random_guid();
// A version-4 GUID from a per-thread generator (not for anything a peer must not guess).
GUID fast_random_guid() noexcept;

}  // namespace guise::com
