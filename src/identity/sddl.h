// sddl.h: Security Descriptor Definition Language — parse and format.
//
// Parses "O:<sid>G:<sid>D:<flags>(<ace>)..." with SIDs as "S-1-..." or the usual two-letter aliases
// (WD, AU, AN, SY, BA, BU, BG, CO, CG, OW, NU, IU, PS, LS, NS), ACE types A and D, ACE flags
// OI CI NP IO ID, and rights as numbers (0x.., 0.., decimal) or right strings (GA GR GW GX, RC SD WD WO,
// FA FR FW FX, KA KR KW KX, CC DC LC SW RP WP DT LO CR). Object ACEs, conditional ACEs and resource
// attributes are rejected, never silently dropped. Errors name the 0-based position and the reason.
// format_sddl writes a canonical form (aliases where they exist, rights in hex) that parses back to an
// equal descriptor. Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "identity/security_descriptor.h"

namespace guise::identity {

// kInvalidInput with a message such as "sddl: position 12: unknown SID alias 'XY'".
Result<SecurityDescriptor> parse_sddl(std::string_view text);
std::string format_sddl(const SecurityDescriptor& descriptor);
// A SID given as "S-1-..." or an alias; kInvalidInput otherwise.
Result<Sid> parse_sddl_sid(std::string_view text);
// A SID as SDDL writes it: its alias where one exists ("SY"), else "S-1-...".
std::string format_sddl_sid(const Sid& sid);

}  // namespace guise::identity
