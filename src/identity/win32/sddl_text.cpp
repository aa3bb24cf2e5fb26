#include "identity/win32/sddl_text.h"

#include <fmt/format.h>

#include <array>
#include <optional>

#include "guise/winerror.h"
#include "identity/sddl.h"
#include "identity/win32/bytes.h"

namespace guise::identity::win32 {
namespace {

struct Components {
  std::optional<std::string_view> owner, group, dacl, sacl;  // the text after "X:"
};

bool starts_component(std::string_view text, std::size_t i) {
  return i + 1 < text.size() && text[i + 1] == ':' &&
         (text[i] == 'O' || text[i] == 'G' || text[i] == 'D' || text[i] == 'S');
}

Result<Components> split(std::string_view text) {
  Components parts;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!starts_component(text, i)) {
      return win32_error(ERROR_INVALID_PARAMETER, fmt::format("sddl: position {}: expected O:, G:, D: or S:", i));
    }
    const char letter = text[i];
    std::size_t end = i + 2;
    while (end < text.size() && !starts_component(text, end)) ++end;
    const std::string_view value = text.substr(i + 2, end - i - 2);
    std::optional<std::string_view>& slot = letter == 'O'   ? parts.owner
                                            : letter == 'G' ? parts.group
                                            : letter == 'D' ? parts.dacl
                                                            : parts.sacl;
    if (slot) return win32_error(ERROR_INVALID_PARAMETER, fmt::format("sddl: position {}: {}: given twice", i, letter));
    slot = value;
    i = end;
  }
  return parts;
}

Result<Sid> component_sid(std::string_view value) {
  auto sid = parse_sddl_sid(value);
  if (!sid.ok()) return win32_error(ERROR_INVALID_SID, sid.status().message());
  return *std::move(sid);
}

// The ACL component as identity parses it ("D:..." or "S:...").
Result<SecurityDescriptor> component_acl(char letter, std::string_view value) {
  auto parsed = parse_sddl(std::string(1, letter) + ":" + std::string(value));
  if (!parsed.ok()) return win32_error(ERROR_INVALID_ACL, parsed.status().message());
  return *std::move(parsed);
}

struct RightName {
  std::string_view name;
  AccessMask mask;
};
// Windows' composite names, written when the mask is exactly one of them.
constexpr std::array kCompositeRights{
    RightName{"FA", 0x001F01FF}, RightName{"FR", 0x00120089}, RightName{"FW", 0x00120116}, RightName{"FX", 0x001200A0},
    RightName{"KA", 0x000F003F}, RightName{"KR", 0x00020019}, RightName{"KW", 0x00020006},
};
// One name per bit, in ascending bit order.
constexpr std::array kBitRights{
    RightName{"CC", 0x00000001}, RightName{"DC", 0x00000002}, RightName{"LC", 0x00000004}, RightName{"SW", 0x00000008},
    RightName{"RP", 0x00000010}, RightName{"WP", 0x00000020}, RightName{"DT", 0x00000040}, RightName{"LO", 0x00000080},
    RightName{"CR", 0x00000100}, RightName{"SD", 0x00010000}, RightName{"RC", 0x00020000}, RightName{"WD", 0x00040000},
    RightName{"WO", 0x00080000}, RightName{"GA", 0x10000000}, RightName{"GX", 0x20000000}, RightName{"GW", 0x40000000},
    RightName{"GR", 0x80000000},
};

std::string_view ace_type_name(AceType type) {
  switch (type) {
    case AceType::kAccessAllowed: return "A";
    case AceType::kAccessDenied: return "D";
    case AceType::kSystemAudit: return "AU";
    case AceType::kMandatoryLabel: return "ML";
  }
  return "A";
}

std::string ace_flags(std::uint8_t flags) {
  static constexpr std::array<std::pair<std::string_view, std::uint8_t>, 7> kNames{{
      {"OI", OBJECT_INHERIT_ACE},
      {"CI", CONTAINER_INHERIT_ACE},
      {"NP", NO_PROPAGATE_INHERIT_ACE},
      {"IO", INHERIT_ONLY_ACE},
      {"ID", INHERITED_ACE},
      {"SA", SUCCESSFUL_ACCESS_ACE_FLAG},
      {"FA", FAILED_ACCESS_ACE_FLAG},
  }};
  std::string text;
  for (const auto& [name, flag] : kNames) {
    if (flags & flag) text += name;
  }
  return text;
}

std::string acl_flags(std::uint16_t flags) {
  std::string text;
  if (flags & kDaclProtected) text += "P";
  if (flags & kDaclAutoInheritReq) text += "AR";
  if (flags & kDaclAutoInherited) text += "AI";
  return text;
}

constexpr std::uint8_t kNamedAceFlags = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE | NO_PROPAGATE_INHERIT_ACE |
                                        INHERIT_ONLY_ACE | INHERITED_ACE | SUCCESSFUL_ACCESS_ACE_FLAG |
                                        FAILED_ACCESS_ACE_FLAG;

bool belongs_in(AceType type, bool system) {
  const bool system_type = type == AceType::kSystemAudit || type == AceType::kMandatoryLabel;
  return system_type == system;
}

Result<std::string> aces_text(const std::vector<Ace>& aces, bool system, bool labels_only) {
  std::string text;
  for (std::size_t i = 0; i < aces.size(); ++i) {
    const Ace& ace = aces[i];
    if (labels_only && ace.type != AceType::kMandatoryLabel) continue;
    if (!belongs_in(ace.type, system)) {
      return win32_error(ERROR_INVALID_ACL, fmt::format("ACE {}: SDDL has no {} ACE in a {}", i,
                                                        ace_type_name(ace.type), system ? "SACL" : "DACL"));
    }
    if (ace.flags & ~kNamedAceFlags) {
      return win32_error(ERROR_INVALID_ACL, fmt::format("ACE {}: flags 0x{:02x} have no SDDL name", i, ace.flags));
    }
    text += fmt::format("({};{};{};;;{})", ace_type_name(ace.type), ace_flags(ace.flags), sddl_rights(ace.mask),
                        format_sddl_sid(ace.sid));
  }
  return text;
}

}  // namespace

std::string sddl_rights(AccessMask mask) {
  for (const RightName& composite : kCompositeRights) {
    if (composite.mask == mask) return std::string(composite.name);
  }
  std::string names;
  AccessMask covered = 0;
  for (const RightName& bit : kBitRights) {
    if (mask & bit.mask) {
      names += bit.name;
      covered |= bit.mask;
    }
  }
  if (mask != 0 && covered == mask) return names;
  return fmt::format("0x{:x}", mask);
}

Result<DescriptorContent> parse_sddl_text(std::string_view text) {
  GUISE_TRY(const Components parts, split(text));
  DescriptorContent content;
  SecurityDescriptor& sd = content.descriptor;
  if (parts.owner) {
    GUISE_TRY(sd.owner, component_sid(*parts.owner));
  }
  if (parts.group) {
    GUISE_TRY(sd.group, component_sid(*parts.group));
  }
  if (parts.dacl) {
    GUISE_TRY(const SecurityDescriptor dacl, component_acl('D', *parts.dacl));
    content.dacl_present = true;
    sd.dacl = dacl.dacl;
    sd.dacl_flags = dacl.dacl_flags;
  }
  if (parts.sacl) {
    GUISE_TRY(const SecurityDescriptor sacl, component_acl('S', *parts.sacl));
    content.sacl_present = true;
    sd.sacl = sacl.sacl;
    sd.sacl_flags = sacl.sacl_flags;
  }
  return content;
}

Result<std::string> write_sddl_text(const DescriptorContent& content, SECURITY_INFORMATION parts) {
  const SecurityDescriptor& sd = content.descriptor;
  std::string text;
  if ((parts & OWNER_SECURITY_INFORMATION) && sd.owner) text += "O:" + format_sddl_sid(*sd.owner);
  if ((parts & GROUP_SECURITY_INFORMATION) && sd.group) text += "G:" + format_sddl_sid(*sd.group);
  if ((parts & DACL_SECURITY_INFORMATION) && content.dacl_present) {
    text += "D:" + acl_flags(sd.dacl_flags);
    if (sd.dacl) {
      GUISE_TRY(const std::string aces, aces_text(*sd.dacl, /*system=*/false, /*labels_only=*/false));
      text += aces;
    } else {
      text += "NO_ACCESS_CONTROL";
    }
  }
  const bool whole_sacl = (parts & SACL_SECURITY_INFORMATION) != 0;
  if ((whole_sacl || (parts & LABEL_SECURITY_INFORMATION)) && content.sacl_present) {
    // A NULL SACL audits nothing, as an empty one does; SDDL has no other form for it.
    text += "S:" + (whole_sacl ? acl_flags(sd.sacl_flags) : "");
    if (sd.sacl) {
      GUISE_TRY(const std::string aces, aces_text(*sd.sacl, /*system=*/true, /*labels_only=*/!whole_sacl));
      text += aces;
    }
  }
  return text;
}

}  // namespace guise::identity::win32
