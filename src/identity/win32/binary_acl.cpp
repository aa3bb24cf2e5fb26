#include "identity/win32/binary_acl.h"

#include <fmt/format.h>

#include "guise/winerror.h"
#include "guise/winnt.h"
#include "identity/win32/binary_sid.h"
#include "identity/win32/bytes.h"

namespace guise::identity::win32 {
namespace {

constexpr std::size_t kAceHeaderSize = 4;
constexpr std::size_t kMaskSize = 4;
constexpr std::size_t kGuidSize = 16;

enum class AceShape {
  kSid,        // header, mask, SID (then, for callback and attribute types, application data)
  kObjectSid,  // header, mask, object flags, optional GUIDs, SID
  kOpaque,     // nothing beyond the header is checked (compound ACEs, types Windows has not defined)
};

AceShape shape_of(std::uint8_t type) noexcept {
  switch (type) {
    case ACCESS_ALLOWED_ACE_TYPE:
    case ACCESS_DENIED_ACE_TYPE:
    case SYSTEM_AUDIT_ACE_TYPE:
    case SYSTEM_ALARM_ACE_TYPE:
    case ACCESS_ALLOWED_CALLBACK_ACE_TYPE:
    case ACCESS_DENIED_CALLBACK_ACE_TYPE:
    case SYSTEM_AUDIT_CALLBACK_ACE_TYPE:
    case SYSTEM_ALARM_CALLBACK_ACE_TYPE:
    case SYSTEM_MANDATORY_LABEL_ACE_TYPE:
    case SYSTEM_RESOURCE_ATTRIBUTE_ACE_TYPE:
    case SYSTEM_SCOPED_POLICY_ID_ACE_TYPE:
    case SYSTEM_PROCESS_TRUST_LABEL_ACE_TYPE:
    case SYSTEM_ACCESS_FILTER_ACE_TYPE: return AceShape::kSid;
    case ACCESS_ALLOWED_OBJECT_ACE_TYPE:
    case ACCESS_DENIED_OBJECT_ACE_TYPE:
    case SYSTEM_AUDIT_OBJECT_ACE_TYPE:
    case SYSTEM_ALARM_OBJECT_ACE_TYPE:
    case ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE:
    case ACCESS_DENIED_CALLBACK_OBJECT_ACE_TYPE:
    case SYSTEM_AUDIT_CALLBACK_OBJECT_ACE_TYPE:
    case SYSTEM_ALARM_CALLBACK_OBJECT_ACE_TYPE: return AceShape::kObjectSid;
    default: return AceShape::kOpaque;
  }
}

// Where the SID of a SID-carrying ACE starts, or an error if the fixed part does not fit.
Result<std::size_t> sid_offset_in(std::span<const std::uint8_t> ace, AceShape shape) {
  std::size_t offset = kAceHeaderSize + kMaskSize;
  if (shape == AceShape::kObjectSid) {
    if (ace.size() < offset + 4) return win32_error(ERROR_INVALID_ACL, "object ACE too short for its flags");
    const std::uint32_t flags = load_u32(ace.data() + offset);
    offset += 4;
    if (flags & ACE_OBJECT_TYPE_PRESENT) offset += kGuidSize;
    if (flags & ACE_INHERITED_OBJECT_TYPE_PRESENT) offset += kGuidSize;
  }
  if (ace.size() < offset) return win32_error(ERROR_INVALID_ACL, "ACE too short for its fixed fields");
  return offset;
}

// Checks one ACE (exactly AceSize bytes).
Status validate_ace(std::span<const std::uint8_t> ace, std::size_t index) {
  const AceShape shape = shape_of(ace[0]);
  if (shape == AceShape::kOpaque) return Status::Ok();
  GUISE_TRY(const std::size_t sid_at, sid_offset_in(ace, shape));
  const auto sid = decode_sid(ace.subspan(sid_at));
  if (!sid.ok()) {
    return win32_error(ERROR_INVALID_ACL, fmt::format("ACE {}: {}", index, sid.status().message()));
  }
  return Status::Ok();
}

template <class Fn>
Status for_each_ace(std::span<const std::uint8_t> acl, Fn&& fn) {
  const std::size_t count = load_u16(acl.data() + 4);
  std::size_t at = kAclHeaderSize;
  for (std::size_t i = 0; i < count; ++i) {
    if (acl.size() - at < kAceHeaderSize) {
      return win32_error(ERROR_INVALID_ACL, fmt::format("ACE {} of {} starts past the ACL's end", i, count));
    }
    const std::size_t size = load_u16(acl.data() + at + 2);
    if (size < kAceHeaderSize || size % 4 != 0) {
      return win32_error(ERROR_INVALID_ACL, fmt::format("ACE {} has size {} (a multiple of 4, at least 4)", i, size));
    }
    if (size > acl.size() - at) {
      return win32_error(ERROR_INVALID_ACL, fmt::format("ACE {} runs past the ACL's end", i));
    }
    GUISE_RETURN_IF_ERROR(fn(acl.subspan(at, size), i));
    at += size;
  }
  return Status::Ok();
}

}  // namespace

std::size_t declared_acl_size(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < kAclHeaderSize) return 0;
  if (bytes[0] < MIN_ACL_REVISION || bytes[0] > MAX_ACL_REVISION) return 0;
  const std::size_t size = load_u16(bytes.data() + 2);
  return size < kAclHeaderSize ? 0 : size;
}

Result<std::size_t> validate_acl(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kAclHeaderSize) return win32_error(ERROR_INVALID_ACL, "ACL header truncated");
  if (bytes[0] < MIN_ACL_REVISION || bytes[0] > MAX_ACL_REVISION) {
    return win32_error(ERROR_INVALID_ACL, fmt::format("ACL revision {} (expected 2..4)", bytes[0]));
  }
  const std::size_t size = load_u16(bytes.data() + 2);
  if (size < kAclHeaderSize) return win32_error(ERROR_INVALID_ACL, fmt::format("AclSize {} below the header", size));
  if (size > bytes.size()) return win32_error(ERROR_INVALID_ACL, "ACL runs past the end of its buffer");
  GUISE_RETURN_IF_ERROR(for_each_ace(bytes.first(size), validate_ace));
  return size;
}

Result<std::vector<Ace>> decode_acl(std::span<const std::uint8_t> bytes) {
  GUISE_TRY(const std::size_t size, validate_acl(bytes));
  std::vector<Ace> aces;
  Status walked = for_each_ace(bytes.first(size), [&aces](std::span<const std::uint8_t> raw, std::size_t i) -> Status {
    Ace ace;
    switch (raw[0]) {
      case ACCESS_ALLOWED_ACE_TYPE: ace.type = AceType::kAccessAllowed; break;
      case ACCESS_DENIED_ACE_TYPE: ace.type = AceType::kAccessDenied; break;
      case SYSTEM_AUDIT_ACE_TYPE: ace.type = AceType::kSystemAudit; break;
      case SYSTEM_MANDATORY_LABEL_ACE_TYPE: ace.type = AceType::kMandatoryLabel; break;
      default:
        return Status(StatusCode::kUnimplemented,
                      fmt::format("ACE {} has type 0x{:02x}, which guise does not evaluate", i, raw[0]),
                      HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED));
    }
    ace.flags = raw[1];
    ace.mask = load_u32(raw.data() + kAceHeaderSize);
    GUISE_TRY(ace.sid, decode_sid(raw.subspan(kAceHeaderSize + kMaskSize)));
    aces.push_back(std::move(ace));
    return Status::Ok();
  });
  GUISE_RETURN_IF_ERROR(walked);
  return aces;
}

Result<std::vector<std::uint8_t>> encode_acl(const std::vector<Ace>& aces) {
  std::size_t size = kAclHeaderSize;
  for (const Ace& ace : aces) size += kAceHeaderSize + kMaskSize + encoded_size(ace.sid);
  if (size > kMaxAclSize || aces.size() > 0xFFFF) {
    return win32_error(ERROR_INVALID_ACL,
                       fmt::format("an ACL of {} ACEs needs {} bytes (at most 65535)", aces.size(), size));
  }
  std::vector<std::uint8_t> bytes(size);
  bytes[0] = ACL_REVISION;
  store_u16(bytes.data() + 2, static_cast<std::uint16_t>(size));
  store_u16(bytes.data() + 4, static_cast<std::uint16_t>(aces.size()));
  std::size_t at = kAclHeaderSize;
  for (const Ace& ace : aces) {
    const std::size_t ace_size = kAceHeaderSize + kMaskSize + encoded_size(ace.sid);
    bytes[at] = static_cast<std::uint8_t>(ace.type);
    bytes[at + 1] = ace.flags;
    store_u16(bytes.data() + at + 2, static_cast<std::uint16_t>(ace_size));
    store_u32(bytes.data() + at + 4, ace.mask);
    encode_sid(ace.sid, bytes.data() + at + 8);
    at += ace_size;
  }
  return bytes;
}

}  // namespace guise::identity::win32
