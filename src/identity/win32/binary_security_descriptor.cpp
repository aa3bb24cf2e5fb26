#include "identity/win32/binary_security_descriptor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "guise/winerror.h"
#include "guise/winnt.h"
#include "identity/win32/binary_acl.h"
#include "identity/win32/binary_sid.h"
#include "identity/win32/bytes.h"

namespace guise::identity::win32 {
namespace {

constexpr std::size_t kOwnerOffsetAt = 4;
constexpr std::size_t kGroupOffsetAt = 8;
constexpr std::size_t kSaclOffsetAt = 12;
constexpr std::size_t kDaclOffsetAt = 16;

// The flags of each ACL, as the Control word holds them and as identity's model does.
constexpr std::uint16_t kDaclFlagBits = SE_DACL_PROTECTED | SE_DACL_AUTO_INHERIT_REQ | SE_DACL_AUTO_INHERITED;
constexpr std::uint16_t kSaclFlagBits = SE_SACL_PROTECTED | SE_SACL_AUTO_INHERIT_REQ | SE_SACL_AUTO_INHERITED;

Status bad_descriptor(std::string message) {
  return win32_error(ERROR_INVALID_SECURITY_DESCR, "security descriptor: " + std::move(message));
}

std::size_t padded(std::size_t size) noexcept { return (size + 3) & ~std::size_t{3}; }

// The SID at `offset` of a self-relative descriptor, copied exactly.
Result<std::vector<std::uint8_t>> sid_part(std::span<const std::uint8_t> bytes, std::uint32_t offset,
                                           const char* what) {
  if (offset < kSelfRelativeHeaderSize || offset >= bytes.size()) {
    return bad_descriptor(fmt::format("{} offset {} outside the descriptor ({} bytes)", what, offset, bytes.size()));
  }
  const auto sid = decode_sid(bytes.subspan(offset));
  if (!sid.ok()) return bad_descriptor(fmt::format("{}: {}", what, sid.status().message()));
  const auto begin = bytes.begin() + offset;
  return std::vector<std::uint8_t>(begin, begin + static_cast<std::ptrdiff_t>(encoded_size(*sid)));
}

// The ACL at `offset` of a self-relative descriptor, copied exactly.
Result<std::vector<std::uint8_t>> acl_part(std::span<const std::uint8_t> bytes, std::uint32_t offset,
                                           const char* what) {
  if (offset < kSelfRelativeHeaderSize || offset >= bytes.size()) {
    return bad_descriptor(fmt::format("{} offset {} outside the descriptor ({} bytes)", what, offset, bytes.size()));
  }
  const auto size = validate_acl(bytes.subspan(offset));
  if (!size.ok()) return bad_descriptor(fmt::format("{}: {}", what, size.status().message()));
  const auto begin = bytes.begin() + offset;
  return std::vector<std::uint8_t>(begin, begin + static_cast<std::ptrdiff_t>(*size));
}

// How far a self-relative descriptor at `p` extends, from its own headers; 0 if a header is
// impossible. Follows no offset beyond kMaxSelfRelativeSize.
std::size_t self_relative_extent(const std::uint8_t* p) {
  std::size_t extent = kSelfRelativeHeaderSize;
  const std::uint16_t control = load_u16(p + 2);
  const auto measure = [&](std::size_t offset_at, bool is_acl) -> bool {
    const std::uint32_t offset = load_u32(p + offset_at);
    if (offset == 0) return true;
    if (offset < kSelfRelativeHeaderSize || offset > kMaxSelfRelativeSize - kAclHeaderSize) return false;
    const std::span<const std::uint8_t> header(p + offset, kAclHeaderSize);  // a SID header is 8 bytes too
    const std::size_t size = is_acl ? declared_acl_size(header) : declared_sid_size(header);
    if (size == 0) return false;
    extent = std::max(extent, offset + size);
    return true;
  };
  if (!measure(kOwnerOffsetAt, false) || !measure(kGroupOffsetAt, false)) return 0;
  if ((control & SE_SACL_PRESENT) && !measure(kSaclOffsetAt, true)) return 0;
  if ((control & SE_DACL_PRESENT) && !measure(kDaclOffsetAt, true)) return 0;
  return extent <= kMaxSelfRelativeSize ? extent : 0;
}

// Reads a SID through an absolute descriptor's pointer, for the size its header declares.
Result<std::vector<std::uint8_t>> sid_at(const void* pointer, const char* what) {
  const auto* p = static_cast<const std::uint8_t*>(pointer);
  const std::size_t size = declared_sid_size(std::span<const std::uint8_t>(p, kSidHeaderSize));
  if (size == 0) return bad_descriptor(fmt::format("{} is not a valid SID", what));
  return std::vector<std::uint8_t>(p, p + size);
}

Result<std::vector<std::uint8_t>> acl_at(const void* pointer, const char* what) {
  const auto* p = static_cast<const std::uint8_t*>(pointer);
  const std::size_t size = declared_acl_size(std::span<const std::uint8_t>(p, kAclHeaderSize));
  if (size == 0) return bad_descriptor(fmt::format("{} has a malformed ACL header", what));
  const auto valid = validate_acl(std::span<const std::uint8_t>(p, size));
  if (!valid.ok()) return bad_descriptor(fmt::format("{}: {}", what, valid.status().message()));
  return std::vector<std::uint8_t>(p, p + size);
}

Result<BinaryDescriptor> read_absolute(const void* descriptor) {
  SECURITY_DESCRIPTOR header;
  std::memcpy(&header, descriptor, sizeof header);
  if (header.Revision != SECURITY_DESCRIPTOR_REVISION) {
    return win32_error(ERROR_UNKNOWN_REVISION, fmt::format("security descriptor revision {}", header.Revision));
  }
  BinaryDescriptor out;
  out.sbz1 = header.Sbz1;
  out.control = header.Control;
  if (header.Owner != nullptr) {
    GUISE_TRY(out.owner, sid_at(header.Owner, "owner"));
  }
  if (header.Group != nullptr) {
    GUISE_TRY(out.group, sid_at(header.Group, "group"));
  }
  if ((header.Control & SE_SACL_PRESENT) && header.Sacl != nullptr) {
    GUISE_TRY(out.sacl, acl_at(header.Sacl, "SACL"));
  }
  if ((header.Control & SE_DACL_PRESENT) && header.Dacl != nullptr) {
    GUISE_TRY(out.dacl, acl_at(header.Dacl, "DACL"));
  }
  return out;
}

std::uint16_t sacl_flags_to_model(std::uint16_t control) noexcept {
  std::uint16_t flags = 0;
  if (control & SE_SACL_PROTECTED) flags |= kDaclProtected;
  if (control & SE_SACL_AUTO_INHERIT_REQ) flags |= kDaclAutoInheritReq;
  if (control & SE_SACL_AUTO_INHERITED) flags |= kDaclAutoInherited;
  return flags;
}

std::uint16_t sacl_flags_from_model(std::uint16_t flags) noexcept {
  std::uint16_t control = 0;
  if (flags & kDaclProtected) control |= SE_SACL_PROTECTED;
  if (flags & kDaclAutoInheritReq) control |= SE_SACL_AUTO_INHERIT_REQ;
  if (flags & kDaclAutoInherited) control |= SE_SACL_AUTO_INHERITED;
  return control;
}

}  // namespace

Result<BinaryDescriptor> parse_self_relative(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kSelfRelativeHeaderSize) {
    return bad_descriptor(fmt::format("{} bytes, shorter than the 20-byte header", bytes.size()));
  }
  if (bytes[0] != SECURITY_DESCRIPTOR_REVISION) {
    return win32_error(ERROR_UNKNOWN_REVISION, fmt::format("security descriptor revision {}", bytes[0]));
  }
  const std::uint16_t control = load_u16(bytes.data() + 2);
  if (!(control & SE_SELF_RELATIVE)) {
    return win32_error(ERROR_BAD_DESCRIPTOR_FORMAT, "security descriptor is not self-relative");
  }
  BinaryDescriptor out;
  out.sbz1 = bytes[1];
  out.control = control & ~SE_SELF_RELATIVE;
  if (const std::uint32_t at = load_u32(bytes.data() + kOwnerOffsetAt); at != 0) {
    GUISE_TRY(out.owner, sid_part(bytes, at, "owner"));
  }
  if (const std::uint32_t at = load_u32(bytes.data() + kGroupOffsetAt); at != 0) {
    GUISE_TRY(out.group, sid_part(bytes, at, "group"));
  }
  if (const std::uint32_t at = load_u32(bytes.data() + kSaclOffsetAt); at != 0 && (control & SE_SACL_PRESENT)) {
    GUISE_TRY(out.sacl, acl_part(bytes, at, "SACL"));
  }
  if (const std::uint32_t at = load_u32(bytes.data() + kDaclOffsetAt); at != 0 && (control & SE_DACL_PRESENT)) {
    GUISE_TRY(out.dacl, acl_part(bytes, at, "DACL"));
  }
  return out;
}

bool is_self_relative(const void* descriptor) noexcept {
  return (load_u16(static_cast<const std::uint8_t*>(descriptor) + 2) & SE_SELF_RELATIVE) != 0;
}

Result<BinaryDescriptor> read_descriptor(const void* descriptor) {
  if (descriptor == nullptr) return bad_descriptor("NULL");
  const auto* p = static_cast<const std::uint8_t*>(descriptor);
  if (!is_self_relative(descriptor)) return read_absolute(descriptor);
  if (p[0] != SECURITY_DESCRIPTOR_REVISION) {
    return win32_error(ERROR_UNKNOWN_REVISION, fmt::format("security descriptor revision {}", p[0]));
  }
  const std::size_t extent = self_relative_extent(p);
  if (extent == 0) return bad_descriptor("a part's offset or header is impossible");
  return parse_self_relative(std::span<const std::uint8_t>(p, extent));
}

std::size_t self_relative_size(const BinaryDescriptor& d) noexcept {
  return kSelfRelativeHeaderSize + padded(d.sacl.size()) + padded(d.dacl.size()) + padded(d.owner.size()) +
         padded(d.group.size());
}

void write_self_relative(const BinaryDescriptor& d, std::uint8_t* out) noexcept {
  std::memset(out, 0, self_relative_size(d));
  out[0] = SECURITY_DESCRIPTOR_REVISION;
  out[1] = d.sbz1;
  store_u16(out + 2, static_cast<std::uint16_t>(d.control | SE_SELF_RELATIVE));
  std::size_t at = kSelfRelativeHeaderSize;
  // Windows' order: SACL, DACL, owner, group (the order the offsets' targets appear in is free).
  const auto place = [&](const std::vector<std::uint8_t>& part, std::size_t offset_at) {
    if (part.empty()) return;
    store_u32(out + offset_at, static_cast<std::uint32_t>(at));
    std::memcpy(out + at, part.data(), part.size());
    at += padded(part.size());
  };
  place(d.sacl, kSaclOffsetAt);
  place(d.dacl, kDaclOffsetAt);
  place(d.owner, kOwnerOffsetAt);
  place(d.group, kGroupOffsetAt);
}

std::vector<std::uint8_t> to_self_relative(const BinaryDescriptor& descriptor) {
  std::vector<std::uint8_t> bytes(self_relative_size(descriptor));
  write_self_relative(descriptor, bytes.data());
  return bytes;
}

Result<DescriptorContent> interpret(const BinaryDescriptor& d) {
  DescriptorContent content;
  content.sbz1 = d.sbz1;
  content.dacl_present = (d.control & SE_DACL_PRESENT) != 0;
  content.sacl_present = (d.control & SE_SACL_PRESENT) != 0;
  content.other_control =
      d.control & ~(SE_DACL_PRESENT | SE_SACL_PRESENT | kDaclFlagBits | kSaclFlagBits | SE_SELF_RELATIVE);
  SecurityDescriptor& sd = content.descriptor;
  if (!d.owner.empty()) {
    GUISE_TRY(sd.owner, decode_sid(d.owner));
  }
  if (!d.group.empty()) {
    GUISE_TRY(sd.group, decode_sid(d.group));
  }
  // identity's model holds the DACL flags in SE_DACL_* values and the SACL's in the same values; the
  // flags of an ACL that is not there say nothing.
  if (content.dacl_present) sd.dacl_flags = d.control & kDaclFlagBits;
  if (content.sacl_present) sd.sacl_flags = sacl_flags_to_model(d.control);
  if (content.dacl_present && !d.dacl.empty()) {
    GUISE_TRY(sd.dacl, decode_acl(d.dacl));
  }
  if (content.sacl_present && !d.sacl.empty()) {
    GUISE_TRY(sd.sacl, decode_acl(d.sacl));
  }
  return content;
}

Result<BinaryDescriptor> encode(const DescriptorContent& content) {
  const SecurityDescriptor& sd = content.descriptor;
  BinaryDescriptor out;
  out.sbz1 = content.sbz1;
  out.control = static_cast<std::uint16_t>(
      content.other_control & ~(SE_SELF_RELATIVE | SE_DACL_PRESENT | SE_SACL_PRESENT | kDaclFlagBits | kSaclFlagBits));
  if (sd.owner) out.owner = encode_sid(*sd.owner);
  if (sd.group) out.group = encode_sid(*sd.group);
  if (content.dacl_present || sd.dacl) {
    out.control |= SE_DACL_PRESENT | (sd.dacl_flags & kDaclFlagBits);
    if (sd.dacl) {
      GUISE_TRY(out.dacl, encode_acl(*sd.dacl));
    }
  }
  if (content.sacl_present || sd.sacl) {
    out.control |= SE_SACL_PRESENT | sacl_flags_from_model(sd.sacl_flags);
    if (sd.sacl) {
      GUISE_TRY(out.sacl, encode_acl(*sd.sacl));
    }
  }
  return out;
}

}  // namespace guise::identity::win32
