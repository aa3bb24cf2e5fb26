// The security-descriptor functions of securitybaseapi.h: initialise, validate, read and set parts,
// and convert between the absolute and self-relative forms.
#include <cstring>

#include "base/log.h"
#include "guise/securitybaseapi.h"
#include "guise/winerror.h"
#include "identity/win32/api_support.h"
#include "identity/win32/binary_security_descriptor.h"
#include "identity/win32/bytes.h"

using guise::identity::win32::fail;

namespace {

using guise::identity::win32::load_u16;
using guise::identity::win32::load_u32;

const std::uint8_t* bytes_of(PSECURITY_DESCRIPTOR descriptor) { return static_cast<const std::uint8_t*>(descriptor); }

SECURITY_DESCRIPTOR_CONTROL control_of(PSECURITY_DESCRIPTOR descriptor) { return load_u16(bytes_of(descriptor) + 2); }

enum class Part { kOwner, kGroup, kSacl, kDacl };

// Where a part lives: the pointer of an absolute descriptor, or the descriptor plus the offset of a
// self-relative one (NULL for an offset of 0).
void* part_address(PSECURITY_DESCRIPTOR descriptor, Part part) {
  const std::uint8_t* p = bytes_of(descriptor);
  if (control_of(descriptor) & SE_SELF_RELATIVE) {
    static constexpr std::size_t kOffsetAt[] = {4, 8, 12, 16};
    const std::uint32_t offset = load_u32(p + kOffsetAt[static_cast<int>(part)]);
    return offset == 0 ? nullptr : static_cast<std::uint8_t*>(descriptor) + offset;
  }
  SECURITY_DESCRIPTOR absolute;
  std::memcpy(&absolute, p, sizeof absolute);
  switch (part) {
    case Part::kOwner: return absolute.Owner;
    case Part::kGroup: return absolute.Group;
    case Part::kSacl: return absolute.Sacl;
    case Part::kDacl: return absolute.Dacl;
  }
  return nullptr;
}

// Shared checks of the getters: a descriptor of revision 1.
BOOL readable(PSECURITY_DESCRIPTOR descriptor) {
  if (descriptor == nullptr) return fail(ERROR_INVALID_PARAMETER);
  if (bytes_of(descriptor)[0] != SECURITY_DESCRIPTOR_REVISION) return fail(ERROR_UNKNOWN_REVISION);
  return TRUE;
}

// Shared checks of the setters: an absolute descriptor of revision 1.
SECURITY_DESCRIPTOR* writable(PSECURITY_DESCRIPTOR descriptor) {
  if (!readable(descriptor)) return nullptr;
  if (control_of(descriptor) & SE_SELF_RELATIVE) {
    fail(ERROR_INVALID_SECURITY_DESCR);
    return nullptr;
  }
  return static_cast<SECURITY_DESCRIPTOR*>(descriptor);
}

void set_flag(SECURITY_DESCRIPTOR* sd, SECURITY_DESCRIPTOR_CONTROL flag, BOOL on) {
  sd->Control = static_cast<SECURITY_DESCRIPTOR_CONTROL>(on ? (sd->Control | flag) : (sd->Control & ~flag));
}

BOOL get_sid_part(PSECURITY_DESCRIPTOR descriptor, Part part, SECURITY_DESCRIPTOR_CONTROL defaulted_flag, PSID* sid,
                  LPBOOL defaulted) {
  if (!readable(descriptor)) return FALSE;
  if (sid == nullptr || defaulted == nullptr) return fail(ERROR_INVALID_PARAMETER);
  *sid = part_address(descriptor, part);
  *defaulted = (control_of(descriptor) & defaulted_flag) ? TRUE : FALSE;
  return TRUE;
}

BOOL get_acl_part(PSECURITY_DESCRIPTOR descriptor, Part part, SECURITY_DESCRIPTOR_CONTROL present_flag,
                  SECURITY_DESCRIPTOR_CONTROL defaulted_flag, LPBOOL present, PACL* acl, LPBOOL defaulted) {
  if (!readable(descriptor)) return FALSE;
  if (present == nullptr || acl == nullptr || defaulted == nullptr) return fail(ERROR_INVALID_PARAMETER);
  const SECURITY_DESCRIPTOR_CONTROL control = control_of(descriptor);
  *present = (control & present_flag) ? TRUE : FALSE;
  *acl = *present ? static_cast<PACL>(part_address(descriptor, part)) : nullptr;
  *defaulted = (*present && (control & defaulted_flag)) ? TRUE : FALSE;
  return TRUE;
}

std::size_t padded(std::size_t size) { return (size + 3) & ~std::size_t{3}; }

}  // namespace

extern "C" {

BOOL WINAPI InitializeSecurityDescriptor(PSECURITY_DESCRIPTOR pSecurityDescriptor, DWORD dwRevision) {
  if (pSecurityDescriptor == nullptr) return fail(ERROR_INVALID_PARAMETER);
  if (dwRevision != SECURITY_DESCRIPTOR_REVISION) return fail(ERROR_UNKNOWN_REVISION);
  SECURITY_DESCRIPTOR empty{};
  empty.Revision = SECURITY_DESCRIPTOR_REVISION;
  std::memcpy(pSecurityDescriptor, &empty, sizeof empty);
  return TRUE;
}

BOOL WINAPI IsValidSecurityDescriptor(PSECURITY_DESCRIPTOR pSecurityDescriptor) {
  const auto read = guise::identity::win32::read_descriptor(pSecurityDescriptor);
  if (!read.ok()) guise::log::debug("IsValidSecurityDescriptor: {}", read.status().message());
  return read.ok() ? TRUE : FALSE;
}

DWORD WINAPI GetSecurityDescriptorLength(PSECURITY_DESCRIPTOR pSecurityDescriptor) {
  const auto read = guise::identity::win32::read_descriptor(pSecurityDescriptor);
  if (!read.ok()) {
    SetLastError(ERROR_INVALID_SECURITY_DESCR);
    return 0;
  }
  const std::size_t header = guise::identity::win32::is_self_relative(pSecurityDescriptor)
                                 ? sizeof(SECURITY_DESCRIPTOR_RELATIVE)
                                 : sizeof(SECURITY_DESCRIPTOR);
  return static_cast<DWORD>(header + padded(read->owner.size()) + padded(read->group.size()) +
                            padded(read->sacl.size()) + padded(read->dacl.size()));
}

BOOL WINAPI GetSecurityDescriptorControl(PSECURITY_DESCRIPTOR pSecurityDescriptor,
                                         PSECURITY_DESCRIPTOR_CONTROL pControl, LPDWORD lpdwRevision) {
  if (pSecurityDescriptor == nullptr || pControl == nullptr || lpdwRevision == nullptr) {
    return fail(ERROR_INVALID_PARAMETER);
  }
  *lpdwRevision = bytes_of(pSecurityDescriptor)[0];
  if (*lpdwRevision != SECURITY_DESCRIPTOR_REVISION) return fail(ERROR_UNKNOWN_REVISION);
  *pControl = control_of(pSecurityDescriptor);
  return TRUE;
}

BOOL WINAPI GetSecurityDescriptorOwner(PSECURITY_DESCRIPTOR pSecurityDescriptor, PSID* pOwner,
                                       LPBOOL lpbOwnerDefaulted) {
  return get_sid_part(pSecurityDescriptor, Part::kOwner, SE_OWNER_DEFAULTED, pOwner, lpbOwnerDefaulted);
}

BOOL WINAPI GetSecurityDescriptorGroup(PSECURITY_DESCRIPTOR pSecurityDescriptor, PSID* pGroup,
                                       LPBOOL lpbGroupDefaulted) {
  return get_sid_part(pSecurityDescriptor, Part::kGroup, SE_GROUP_DEFAULTED, pGroup, lpbGroupDefaulted);
}

BOOL WINAPI GetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR pSecurityDescriptor, LPBOOL lpbDaclPresent, PACL* pDacl,
                                      LPBOOL lpbDaclDefaulted) {
  return get_acl_part(pSecurityDescriptor, Part::kDacl, SE_DACL_PRESENT, SE_DACL_DEFAULTED, lpbDaclPresent, pDacl,
                      lpbDaclDefaulted);
}

BOOL WINAPI GetSecurityDescriptorSacl(PSECURITY_DESCRIPTOR pSecurityDescriptor, LPBOOL lpbSaclPresent, PACL* pSacl,
                                      LPBOOL lpbSaclDefaulted) {
  return get_acl_part(pSecurityDescriptor, Part::kSacl, SE_SACL_PRESENT, SE_SACL_DEFAULTED, lpbSaclPresent, pSacl,
                      lpbSaclDefaulted);
}

BOOL WINAPI SetSecurityDescriptorOwner(PSECURITY_DESCRIPTOR pSecurityDescriptor, PSID pOwner, BOOL bOwnerDefaulted) {
  SECURITY_DESCRIPTOR* sd = writable(pSecurityDescriptor);
  if (sd == nullptr) return FALSE;
  sd->Owner = pOwner;
  set_flag(sd, SE_OWNER_DEFAULTED, bOwnerDefaulted);
  return TRUE;
}

BOOL WINAPI SetSecurityDescriptorGroup(PSECURITY_DESCRIPTOR pSecurityDescriptor, PSID pGroup, BOOL bGroupDefaulted) {
  SECURITY_DESCRIPTOR* sd = writable(pSecurityDescriptor);
  if (sd == nullptr) return FALSE;
  sd->Group = pGroup;
  set_flag(sd, SE_GROUP_DEFAULTED, bGroupDefaulted);
  return TRUE;
}

BOOL WINAPI SetSecurityDescriptorDacl(PSECURITY_DESCRIPTOR pSecurityDescriptor, BOOL bDaclPresent, PACL pDacl,
                                      BOOL bDaclDefaulted) {
  SECURITY_DESCRIPTOR* sd = writable(pSecurityDescriptor);
  if (sd == nullptr) return FALSE;
  set_flag(sd, SE_DACL_PRESENT, bDaclPresent);
  if (!bDaclPresent) return TRUE;  // pDacl and bDaclDefaulted are ignored
  sd->Dacl = pDacl;
  set_flag(sd, SE_DACL_DEFAULTED, bDaclDefaulted);
  return TRUE;
}

BOOL WINAPI SetSecurityDescriptorSacl(PSECURITY_DESCRIPTOR pSecurityDescriptor, BOOL bSaclPresent, PACL pSacl,
                                      BOOL bSaclDefaulted) {
  SECURITY_DESCRIPTOR* sd = writable(pSecurityDescriptor);
  if (sd == nullptr) return FALSE;
  set_flag(sd, SE_SACL_PRESENT, bSaclPresent);
  if (!bSaclPresent) return TRUE;
  sd->Sacl = pSacl;
  set_flag(sd, SE_SACL_DEFAULTED, bSaclDefaulted);
  return TRUE;
}

BOOL WINAPI MakeSelfRelativeSD(PSECURITY_DESCRIPTOR pAbsoluteSecurityDescriptor,
                               PSECURITY_DESCRIPTOR pSelfRelativeSecurityDescriptor, LPDWORD lpdwBufferLength) {
  using namespace guise::identity::win32;
  if (lpdwBufferLength == nullptr) return fail(ERROR_INVALID_PARAMETER);
  if (pAbsoluteSecurityDescriptor == nullptr) return fail(ERROR_INVALID_SECURITY_DESCR);
  if (is_self_relative(pAbsoluteSecurityDescriptor)) return fail(ERROR_BAD_DESCRIPTOR_FORMAT);
  const auto read = read_descriptor(pAbsoluteSecurityDescriptor);
  if (!read.ok()) {
    guise::log::debug("MakeSelfRelativeSD: {}", read.status().message());
    return fail(win32_error_code(read.status(), ERROR_INVALID_SECURITY_DESCR));
  }
  const auto needed = static_cast<DWORD>(self_relative_size(*read));
  if (*lpdwBufferLength < needed) {
    *lpdwBufferLength = needed;
    return fail(ERROR_INSUFFICIENT_BUFFER);
  }
  if (pSelfRelativeSecurityDescriptor == nullptr) return fail(ERROR_INVALID_PARAMETER);
  write_self_relative(*read, static_cast<std::uint8_t*>(pSelfRelativeSecurityDescriptor));
  *lpdwBufferLength = needed;
  return TRUE;
}

BOOL WINAPI MakeAbsoluteSD(PSECURITY_DESCRIPTOR pSelfRelativeSecurityDescriptor,
                           PSECURITY_DESCRIPTOR pAbsoluteSecurityDescriptor, LPDWORD lpdwAbsoluteSecurityDescriptorSize,
                           PACL pDacl, LPDWORD lpdwDaclSize, PACL pSacl, LPDWORD lpdwSaclSize, PSID pOwner,
                           LPDWORD lpdwOwnerSize, PSID pPrimaryGroup, LPDWORD lpdwPrimaryGroupSize) {
  using namespace guise::identity::win32;
  if (lpdwAbsoluteSecurityDescriptorSize == nullptr || lpdwDaclSize == nullptr || lpdwSaclSize == nullptr ||
      lpdwOwnerSize == nullptr || lpdwPrimaryGroupSize == nullptr) {
    return fail(ERROR_INVALID_PARAMETER);
  }
  if (pSelfRelativeSecurityDescriptor == nullptr) return fail(ERROR_INVALID_SECURITY_DESCR);
  if (!is_self_relative(pSelfRelativeSecurityDescriptor)) return fail(ERROR_BAD_DESCRIPTOR_FORMAT);
  const auto read = read_descriptor(pSelfRelativeSecurityDescriptor);
  if (!read.ok()) {
    guise::log::debug("MakeAbsoluteSD: {}", read.status().message());
    return fail(win32_error_code(read.status(), ERROR_INVALID_SECURITY_DESCR));
  }
  const BinaryDescriptor& d = *read;
  const DWORD need_sd = sizeof(SECURITY_DESCRIPTOR);
  const auto need_dacl = static_cast<DWORD>(d.dacl.size());
  const auto need_sacl = static_cast<DWORD>(d.sacl.size());
  const auto need_owner = static_cast<DWORD>(d.owner.size());
  const auto need_group = static_cast<DWORD>(d.group.size());
  if (*lpdwAbsoluteSecurityDescriptorSize < need_sd || *lpdwDaclSize < need_dacl || *lpdwSaclSize < need_sacl ||
      *lpdwOwnerSize < need_owner || *lpdwPrimaryGroupSize < need_group) {
    *lpdwAbsoluteSecurityDescriptorSize = need_sd;
    *lpdwDaclSize = need_dacl;
    *lpdwSaclSize = need_sacl;
    *lpdwOwnerSize = need_owner;
    *lpdwPrimaryGroupSize = need_group;
    return fail(ERROR_INSUFFICIENT_BUFFER);
  }
  if (pAbsoluteSecurityDescriptor == nullptr || (need_dacl != 0 && pDacl == nullptr) ||
      (need_sacl != 0 && pSacl == nullptr) || (need_owner != 0 && pOwner == nullptr) ||
      (need_group != 0 && pPrimaryGroup == nullptr)) {
    return fail(ERROR_INVALID_PARAMETER);
  }
  // Each part goes to its own buffer; an absent (or NULL) part leaves its buffer alone.
  const auto place = [](const std::vector<std::uint8_t>& part, void* buffer) -> void* {
    if (part.empty()) return nullptr;
    std::memcpy(buffer, part.data(), part.size());
    return buffer;
  };
  SECURITY_DESCRIPTOR absolute{};
  absolute.Revision = SECURITY_DESCRIPTOR_REVISION;
  absolute.Sbz1 = d.sbz1;
  absolute.Control = d.control;
  absolute.Owner = place(d.owner, pOwner);
  absolute.Group = place(d.group, pPrimaryGroup);
  absolute.Sacl = static_cast<PACL>(place(d.sacl, pSacl));
  absolute.Dacl = static_cast<PACL>(place(d.dacl, pDacl));
  std::memcpy(pAbsoluteSecurityDescriptor, &absolute, sizeof absolute);
  return TRUE;
}

}  // extern "C"
