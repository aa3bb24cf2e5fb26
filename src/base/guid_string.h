// guid_string.h: GUID ↔ text for guise's own code (IDL uuid(...) attributes, logs, string bindings).
//
// Accepts "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" with or without braces, hex digits in either case;
// anything else (wrong length, stray characters, half a brace) is rejected. Windows' own
// CLSIDFromString/StringFromGUID2 (objbase.h) are built on these. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "guise/guiddef.h"

namespace guise {

// "{00000000-0000-0000-C000-000000000046}" (upper case, braces) — the registry form.
std::string format_guid_braced(const GUID& guid);
// "00000000-0000-0000-c000-000000000046" (lower case, no braces) — the DCE/IDL form.
std::string format_guid(const GUID& guid);
std::optional<GUID> parse_guid(std::string_view text) noexcept;

}  // namespace guise
