// security_descriptor.h: Windows security descriptors — owner, group, DACL of allow/deny ACEs.
//
// The in-memory form of what SDDL describes (sddl.h parses and formats it; access_check.h evaluates
// it). A missing DACL (`dacl` nullopt) is Windows' NULL DACL: everyone is granted everything; a present
// but empty DACL grants nothing. ACEs keep their order: evaluation is first-match in order.
// Values: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "identity/sid.h"

namespace guise::identity {

using AccessMask = std::uint32_t;

// Standard and generic rights (winnt.h values).
inline constexpr AccessMask kDelete = 0x00010000;
inline constexpr AccessMask kReadControl = 0x00020000;
inline constexpr AccessMask kWriteDac = 0x00040000;
inline constexpr AccessMask kWriteOwner = 0x00080000;
inline constexpr AccessMask kSynchronize = 0x00100000;
inline constexpr AccessMask kAccessSystemSecurity = 0x01000000;
inline constexpr AccessMask kMaximumAllowed = 0x02000000;
inline constexpr AccessMask kGenericAll = 0x10000000;
inline constexpr AccessMask kGenericExecute = 0x20000000;
inline constexpr AccessMask kGenericWrite = 0x40000000;
inline constexpr AccessMask kGenericRead = 0x80000000;

enum class AceType : std::uint8_t {
  kAccessAllowed = 0x00,   // ACCESS_ALLOWED_ACE_TYPE, SDDL "A" (DACL)
  kAccessDenied = 0x01,    // ACCESS_DENIED_ACE_TYPE, SDDL "D" (DACL)
  kSystemAudit = 0x02,     // SYSTEM_AUDIT_ACE_TYPE, SDDL "AU" (SACL; kept, never evaluated)
  kMandatoryLabel = 0x11,  // SYSTEM_MANDATORY_LABEL_ACE_TYPE, SDDL "ML" (SACL; kept, never evaluated)
};

// ACE flags (winnt.h values); kept and formatted, only kInheritOnly affects evaluation.
inline constexpr std::uint8_t kObjectInheritAce = 0x01;     // OI
inline constexpr std::uint8_t kContainerInheritAce = 0x02;  // CI
inline constexpr std::uint8_t kNoPropagateInheritAce = 0x04;  // NP
inline constexpr std::uint8_t kInheritOnlyAce = 0x08;       // IO
inline constexpr std::uint8_t kInheritedAce = 0x10;         // ID
inline constexpr std::uint8_t kSuccessfulAccessAce = 0x40;  // SA (audit ACEs)
inline constexpr std::uint8_t kFailedAccessAce = 0x80;      // FA (audit ACEs)

struct Ace {
  AceType type = AceType::kAccessAllowed;
  std::uint8_t flags = 0;
  AccessMask mask = 0;
  Sid sid;
  friend bool operator==(const Ace&, const Ace&) = default;
};

// DACL control flags from SDDL ("P", "AI", "AR").
inline constexpr std::uint16_t kDaclProtected = 0x1000;         // SE_DACL_PROTECTED, "P"
inline constexpr std::uint16_t kDaclAutoInheritReq = 0x0100;    // SE_DACL_AUTO_INHERIT_REQ, "AR"
inline constexpr std::uint16_t kDaclAutoInherited = 0x0400;     // SE_DACL_AUTO_INHERITED, "AI"

struct SecurityDescriptor {
  std::optional<Sid> owner;
  std::optional<Sid> group;
  std::uint16_t dacl_flags = 0;
  std::optional<std::vector<Ace>> dacl;  // nullopt = NULL DACL (grants all)
  // The SACL ("S:"), if the text had one. guise keeps but never evaluates it; CoInitializeSecurity
  // rejects descriptors that carry one.
  std::uint16_t sacl_flags = 0;
  std::optional<std::vector<Ace>> sacl;
  friend bool operator==(const SecurityDescriptor&, const SecurityDescriptor&) = default;
};

// GENERIC_MAPPING: what each generic right means for a kind of object.
struct GenericMapping {
  AccessMask generic_read = 0;
  AccessMask generic_write = 0;
  AccessMask generic_execute = 0;
  AccessMask generic_all = 0;
};

// Replaces generic bits in `mask` by their mapping (MapGenericMask).
AccessMask map_generic_mask(AccessMask mask, const GenericMapping& mapping) noexcept;

}  // namespace guise::identity
