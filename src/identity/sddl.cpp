#include "identity/sddl.h"

#include <array>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <string_view>

namespace guise::identity {
namespace {

struct SidAlias {
  std::string_view alias;
  std::string_view sid;
};

// SDDL SID strings (Windows' table; the subset meaningful without a domain).
constexpr std::array kSidAliases{
    SidAlias{"WD", "S-1-1-0"},      SidAlias{"CO", "S-1-3-0"},      SidAlias{"CG", "S-1-3-1"},
    SidAlias{"OW", "S-1-3-4"},      SidAlias{"NU", "S-1-5-2"},      SidAlias{"IU", "S-1-5-4"},
    SidAlias{"SU", "S-1-5-6"},      SidAlias{"AN", "S-1-5-7"},      SidAlias{"PS", "S-1-5-10"},
    SidAlias{"AU", "S-1-5-11"},     SidAlias{"RC", "S-1-5-12"},     SidAlias{"SY", "S-1-5-18"},
    SidAlias{"LS", "S-1-5-19"},     SidAlias{"NS", "S-1-5-20"},     SidAlias{"BA", "S-1-5-32-544"},
    SidAlias{"BU", "S-1-5-32-545"}, SidAlias{"BG", "S-1-5-32-546"}, SidAlias{"PU", "S-1-5-32-547"},
    SidAlias{"AO", "S-1-5-32-548"}, SidAlias{"SO", "S-1-5-32-549"}, SidAlias{"PO", "S-1-5-32-550"},
    SidAlias{"BO", "S-1-5-32-551"}, SidAlias{"RE", "S-1-5-32-552"}, SidAlias{"RU", "S-1-5-32-554"},
    SidAlias{"RD", "S-1-5-32-555"}, SidAlias{"NO", "S-1-5-32-556"}, SidAlias{"LW", "S-1-16-4096"},
    SidAlias{"ME", "S-1-16-8192"},  SidAlias{"HI", "S-1-16-12288"}, SidAlias{"SI", "S-1-16-16384"},
};

struct RightName {
  std::string_view name;
  AccessMask mask;
};

// Rights strings (winnt.h / sddl.h values). Composite file and key rights are listed first so
// format_rights never needs them: it writes numbers.
constexpr std::array kRightNames{
    RightName{"GA", kGenericAll},   RightName{"GR", kGenericRead},   RightName{"GW", kGenericWrite},
    RightName{"GX", kGenericExecute}, RightName{"RC", kReadControl}, RightName{"SD", kDelete},
    RightName{"WD", kWriteDac},     RightName{"WO", kWriteOwner},    RightName{"FA", 0x001F01FF},
    RightName{"FR", 0x00120089},    RightName{"FW", 0x00120116},     RightName{"FX", 0x001200A0},
    RightName{"KA", 0x000F003F},    RightName{"KR", 0x00020019},     RightName{"KW", 0x00020006},
    RightName{"KX", 0x00020019},    RightName{"CC", 0x00000001},     RightName{"DC", 0x00000002},
    RightName{"LC", 0x00000004},    RightName{"SW", 0x00000008},     RightName{"RP", 0x00000010},
    RightName{"WP", 0x00000020},    RightName{"DT", 0x00000040},     RightName{"LO", 0x00000080},
    RightName{"CR", 0x00000100},    RightName{"NW", 0x00000001},     RightName{"NR", 0x00000002},
    RightName{"NX", 0x00000004},
};

struct FlagName {
  std::string_view name;
  std::uint8_t flag;
};
constexpr std::array kAceFlagNames{
    FlagName{"OI", kObjectInheritAce},    FlagName{"CI", kContainerInheritAce},
    FlagName{"NP", kNoPropagateInheritAce}, FlagName{"IO", kInheritOnlyAce},
    FlagName{"ID", kInheritedAce},        FlagName{"SA", kSuccessfulAccessAce},
    FlagName{"FA", kFailedAccessAce},
};

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<SecurityDescriptor> descriptor() {
    SecurityDescriptor sd;
    bool seen_owner = false, seen_group = false, seen_dacl = false, seen_sacl = false;
    if (text_.empty()) return error("empty security descriptor");
    while (pos_ < text_.size()) {
      const std::size_t start = pos_;
      if (remaining() < 2 || text_[pos_ + 1] != ':') return error("expected 'O:', 'G:', 'D:' or 'S:'");
      const char component = text_[pos_];
      pos_ += 2;
      switch (component) {
        case 'O': {
          if (seen_owner) return error_at(start, "owner given twice");
          seen_owner = true;
          GUISE_TRY(sd.owner, component_sid());
          break;
        }
        case 'G': {
          if (seen_group) return error_at(start, "group given twice");
          seen_group = true;
          GUISE_TRY(sd.group, component_sid());
          break;
        }
        case 'D': {
          if (seen_dacl) return error_at(start, "DACL given twice");
          seen_dacl = true;
          GUISE_TRY(sd.dacl, acl_part(/*system=*/false, sd.dacl_flags));
          break;
        }
        case 'S': {
          if (seen_sacl) return error_at(start, "SACL given twice");
          seen_sacl = true;
          GUISE_TRY(sd.sacl, acl_part(/*system=*/true, sd.sacl_flags));
          break;
        }
        default:
          return error_at(start, fmt::format("unknown component '{}:'", component));
      }
    }
    return sd;
  }

  Result<Sid> whole_sid() {
    GUISE_TRY(Sid sid, sid_token(text_.size()));
    if (pos_ != text_.size()) return error("unexpected text after SID");
    return sid;
  }

 private:
  std::size_t remaining() const { return text_.size() - pos_; }

  Status error_at(std::size_t position, const std::string& reason) const {
    return invalid_input(fmt::format("sddl: position {}: {}", position, reason));
  }
  Status error(const std::string& reason) const { return error_at(pos_, reason); }

  // True when text_[i..] starts a new top-level component ("O:", "G:", "D:", "S:").
  bool component_starts(std::size_t i) const {
    return i + 1 < text_.size() && text_[i + 1] == ':' &&
           (text_[i] == 'O' || text_[i] == 'G' || text_[i] == 'D' || text_[i] == 'S');
  }

  // A SID ending at the next component (owner/group) — "S-1-..." or a two-letter alias.
  Result<Sid> component_sid() {
    std::size_t end = pos_;
    while (end < text_.size() && !component_starts(end)) ++end;
    return sid_token(end);
  }

  // Parses text_[pos_, end) as a SID and moves past it.
  Result<Sid> sid_token(std::size_t end) {
    const std::string_view token = text_.substr(pos_, end - pos_);
    if (token.empty()) return error("missing SID");
    if (token.size() >= 2 && (token[0] == 'S' || token[0] == 's') && token[1] == '-') {
      auto sid = Sid::parse(token);
      if (!sid) return error(fmt::format("malformed SID '{}'", token));
      pos_ = end;
      return *sid;
    }
    for (const auto& entry : kSidAliases) {
      if (entry.alias == token) {
        pos_ = end;
        return *Sid::parse(entry.sid);
      }
    }
    return error(fmt::format("unknown SID alias '{}'", token));
  }

  // The ACL after "D:" or "S:"; nullopt for "NO_ACCESS_CONTROL" (a NULL DACL).
  Result<std::optional<std::vector<Ace>>> acl_part(bool system, std::uint16_t& flags) {
    // ACL flags: P, AI, AR, NO_ACCESS_CONTROL, in any order, before the first ACE.
    bool null_acl = false;
    while (pos_ < text_.size() && text_[pos_] != '(' && !component_starts(pos_)) {
      const std::string_view rest = text_.substr(pos_);
      if (rest.starts_with("NO_ACCESS_CONTROL")) {
        null_acl = true;
        pos_ += 17;
      } else if (rest.starts_with("AI")) {
        flags |= kDaclAutoInherited;
        pos_ += 2;
      } else if (rest.starts_with("AR")) {
        flags |= kDaclAutoInheritReq;
        pos_ += 2;
      } else if (rest.starts_with("P")) {
        flags |= kDaclProtected;
        pos_ += 1;
      } else {
        return error("unknown ACL flag (expected P, AI, AR or NO_ACCESS_CONTROL)");
      }
    }
    std::vector<Ace> aces;
    while (pos_ < text_.size() && text_[pos_] == '(') {
      if (null_acl) return error("NO_ACCESS_CONTROL with ACEs");
      GUISE_TRY(Ace ace, ace_part(system));
      aces.push_back(std::move(ace));
    }
    if (pos_ < text_.size() && !component_starts(pos_)) return error("expected '(' to start an ACE");
    if (null_acl) {
      if (system) return error("NO_ACCESS_CONTROL is for DACLs");
      return std::optional<std::vector<Ace>>();
    }
    return std::optional<std::vector<Ace>>(std::move(aces));
  }

  // One "(type;flags;rights;object_guid;inherit_object_guid;sid)".
  Result<Ace> ace_part(bool system) {
    const std::size_t open = pos_;
    const std::size_t close = text_.find(')', pos_);
    if (close == std::string_view::npos) return error("ACE without closing ')'");
    ++pos_;
    std::array<std::size_t, 6> field_start{};
    std::array<std::string_view, 6> fields{};
    std::size_t field = 0;
    std::size_t begin = pos_;
    for (std::size_t i = pos_; i <= close; ++i) {
      if (i == close || text_[i] == ';') {
        if (field == fields.size()) {
          return error_at(i, "too many ACE fields (conditional ACEs and resource attributes are not supported)");
        }
        field_start[field] = begin;
        fields[field++] = text_.substr(begin, i - begin);
        begin = i + 1;
      }
    }
    if (field != fields.size()) return error_at(open, fmt::format("ACE has {} fields, expected 6", field));

    Ace ace;
    const std::string_view type = fields[0];
    if (!system && type == "A") {
      ace.type = AceType::kAccessAllowed;
    } else if (!system && type == "D") {
      ace.type = AceType::kAccessDenied;
    } else if (system && type == "AU") {
      ace.type = AceType::kSystemAudit;
    } else if (system && type == "ML") {
      ace.type = AceType::kMandatoryLabel;
    } else {
      return error_at(field_start[0], fmt::format("unsupported ACE type '{}' in a {}", type, system ? "SACL" : "DACL"));
    }

    for (std::string_view flags = fields[1]; !flags.empty(); flags.remove_prefix(2)) {
      const std::size_t at = field_start[1] + (fields[1].size() - flags.size());
      if (flags.size() < 2) return error_at(at, "truncated ACE flag");
      bool known = false;
      for (const auto& entry : kAceFlagNames) {
        if (flags.substr(0, 2) == entry.name) {
          ace.flags |= entry.flag;
          known = true;
        }
      }
      if (!known) return error_at(at, fmt::format("unknown ACE flag '{}'", flags.substr(0, 2)));
    }

    pos_ = field_start[2];
    GUISE_TRY(ace.mask, rights(fields[2]));
    if (!fields[3].empty() || !fields[4].empty()) {
      return error_at(field_start[3], "object ACEs (object GUIDs) are not supported");
    }
    pos_ = field_start[5];
    GUISE_TRY(ace.sid, sid_token(field_start[5] + fields[5].size()));
    pos_ = close + 1;
    return ace;
  }

  Result<AccessMask> rights(std::string_view text) {
    if (text.empty()) return error("missing access rights");
    if (std::isdigit(static_cast<unsigned char>(text[0]))) {
      int base = 10;
      std::string_view digits = text;
      if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
      } else if (digits.size() > 1 && digits[0] == '0') {
        base = 8;
        digits.remove_prefix(1);
      }
      AccessMask mask = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mask, base);
      if (ec != std::errc() || end != digits.data() + digits.size()) {
        return error(fmt::format("malformed access mask '{}'", text));
      }
      return mask;
    }
    AccessMask mask = 0;
    for (std::size_t i = 0; i < text.size(); i += 2) {
      if (i + 2 > text.size()) return error_at(pos_ + i, "truncated right string");
      const std::string_view name = text.substr(i, 2);
      bool known = false;
      for (const auto& entry : kRightNames) {
        if (entry.name == name) {
          mask |= entry.mask;
          known = true;
          break;
        }
      }
      if (!known) return error_at(pos_ + i, fmt::format("unknown right '{}'", name));
    }
    return mask;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::string format_sid(const Sid& sid) {
  const std::string text = sid.to_string();
  for (const auto& entry : kSidAliases) {
    if (entry.sid == text) return std::string(entry.alias);
  }
  return text;
}

std::string format_acl_flags(std::uint16_t flags) {
  std::string text;
  if (flags & kDaclProtected) text += "P";
  if (flags & kDaclAutoInheritReq) text += "AR";
  if (flags & kDaclAutoInherited) text += "AI";
  return text;
}

std::string format_aces(const std::vector<Ace>& aces) {
  std::string text;
  for (const Ace& ace : aces) {
    std::string_view type = "A";
    switch (ace.type) {
      case AceType::kAccessAllowed: type = "A"; break;
      case AceType::kAccessDenied: type = "D"; break;
      case AceType::kSystemAudit: type = "AU"; break;
      case AceType::kMandatoryLabel: type = "ML"; break;
    }
    std::string flags;
    for (const auto& entry : kAceFlagNames) {
      if (ace.flags & entry.flag) flags += entry.name;
    }
    text += fmt::format("({};{};0x{:x};;;{})", type, flags, ace.mask, format_sid(ace.sid));
  }
  return text;
}

}  // namespace

Result<SecurityDescriptor> parse_sddl(std::string_view text) { return Parser(text).descriptor(); }

Result<Sid> parse_sddl_sid(std::string_view text) { return Parser(text).whole_sid(); }

std::string format_sddl_sid(const Sid& sid) { return format_sid(sid); }

std::string format_sddl(const SecurityDescriptor& sd) {
  std::string text;
  if (sd.owner) text += "O:" + format_sid(*sd.owner);
  if (sd.group) text += "G:" + format_sid(*sd.group);
  text += "D:" + format_acl_flags(sd.dacl_flags);
  if (sd.dacl) {
    text += format_aces(*sd.dacl);
  } else {
    text += "NO_ACCESS_CONTROL";
  }
  if (sd.sacl) text += "S:" + format_acl_flags(sd.sacl_flags) + format_aces(*sd.sacl);
  return text;
}

}  // namespace guise::identity
