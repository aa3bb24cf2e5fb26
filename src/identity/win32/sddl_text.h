// sddl_text.h: SDDL text ↔ DescriptorContent, as the Win32 conversion functions need it.
//
// Parsing splits the text into its O:, G:, D:, S: components (so "no D:" stays apart from
// "D:NO_ACCESS_CONTROL") and hands each to identity's SDDL parser. Errors carry the code Windows gives
// for the part that is wrong: ERROR_INVALID_SID (owner or group), ERROR_INVALID_ACL (inside D: or S:),
// ERROR_INVALID_PARAMETER (anything else). The empty string is an empty descriptor.
//
// Writing follows Windows' form: components O G D S as selected; aliases for well-known SIDs; rights
// as Windows' names for the file and key composites (FA, FR, FW, FX, KA, KR, KW) when the mask is
// exactly one, else as two-letter names when every bit has one (CC DC LC SW RP WP DT LO CR SD RC WD WO
// GA GX GW GR, in ascending bit order), else as 0x-hex; a NULL DACL as "NO_ACCESS_CONTROL". A part
// SDDL cannot express — an ACE flag without an SDDL name, an audit or label ACE in the DACL, an allow
// or deny ACE in the SACL — fails with ERROR_INVALID_ACL rather than being written differently.
// Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "guise/winnt.h"
#include "identity/win32/binary_security_descriptor.h"

namespace guise::identity::win32 {

Result<DescriptorContent> parse_sddl_text(std::string_view text);
Result<std::string> write_sddl_text(const DescriptorContent& content, SECURITY_INFORMATION parts);
std::string sddl_rights(AccessMask mask);

}  // namespace guise::identity::win32
