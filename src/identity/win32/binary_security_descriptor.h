// binary_security_descriptor.h: security descriptors in MS-DTYP 2.4.6 binary form — read from
// either form, written self-relative, and converted to and from identity's SecurityDescriptor.
//
// A BinaryDescriptor holds the four parts as validated bytes (a SID, an ACL, or nothing) plus the
// Control word and Sbz1 (the resource-manager control byte), so MakeSelfRelativeSD and MakeAbsoluteSD
// copy descriptors exactly, ACE types guise does not evaluate included.
//
// Two readers:
// * parse_self_relative(bytes) — for bytes whose length is known (a buffer, a wire field): every read
//   is checked against the span; offsets must point past the 20-byte header; a part whose offset is 0,
//   or whose SE_DACL_PRESENT / SE_SACL_PRESENT flag is clear, is absent. This is the parser the fuzz
//   target drives.
// * read_descriptor(pointer) — for Win32 entry points, which take a PSECURITY_DESCRIPTOR without a
//   length. An absolute descriptor's parts are read through its pointers, each for the size its own
//   header declares; a self-relative one is first measured from its header and part headers (offsets
//   above kMaxSelfRelativeSize are refused without being followed) and then handed to
//   parse_self_relative. As on Windows, the caller promises the memory holds what it declares.
//
// to_self_relative writes the layout Windows writes: header, SACL, DACL, owner, group.
// Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "identity/security_descriptor.h"

namespace guise::identity::win32 {

inline constexpr std::size_t kSelfRelativeHeaderSize = 20;
// The largest self-relative descriptor: header, two SIDs of 68 bytes, two ACLs of 65536 bytes
// (the bound MS-RAA and other protocols put on a wire descriptor).
inline constexpr std::size_t kMaxSelfRelativeSize = 131228;

struct BinaryDescriptor {
  std::uint8_t sbz1 = 0;
  std::uint16_t control = 0;        // SE_* flags; never SE_SELF_RELATIVE here
  std::vector<std::uint8_t> owner;  // a SID, or empty: no owner
  std::vector<std::uint8_t> group;  // a SID, or empty: no group
  std::vector<std::uint8_t> sacl;   // an ACL, or empty: none (or a NULL SACL when SE_SACL_PRESENT)
  std::vector<std::uint8_t> dacl;   // an ACL, or empty: none (or a NULL DACL when SE_DACL_PRESENT)
  friend bool operator==(const BinaryDescriptor&, const BinaryDescriptor&) = default;
};

// Bounded parse of a self-relative descriptor. Errors carry ERROR_INVALID_SECURITY_DESCR (or
// ERROR_UNKNOWN_REVISION, ERROR_BAD_DESCRIPTOR_FORMAT when SE_SELF_RELATIVE is clear).
Result<BinaryDescriptor> parse_self_relative(std::span<const std::uint8_t> bytes);

// A descriptor in either form at `descriptor` (see above). Same errors.
Result<BinaryDescriptor> read_descriptor(const void* descriptor);
// Whether the descriptor at `descriptor` is self-relative (its Control word says so).
bool is_self_relative(const void* descriptor) noexcept;

std::size_t self_relative_size(const BinaryDescriptor& descriptor) noexcept;
// Writes self_relative_size(descriptor) bytes at `out`.
void write_self_relative(const BinaryDescriptor& descriptor, std::uint8_t* out) noexcept;
std::vector<std::uint8_t> to_self_relative(const BinaryDescriptor& descriptor);

// What a binary descriptor means, in identity's terms. identity's model folds "no DACL" and "NULL
// DACL" together (both grant everything); the flags here keep them apart for exact round trips.
struct DescriptorContent {
  SecurityDescriptor descriptor;
  bool dacl_present = false;        // SE_DACL_PRESENT (descriptor.dacl nullopt then means a NULL DACL)
  bool sacl_present = false;        // SE_SACL_PRESENT (descriptor.sacl nullopt then means a NULL SACL)
  std::uint16_t other_control = 0;  // the defaulted and resource-manager flags, kept as given
  std::uint8_t sbz1 = 0;
  friend bool operator==(const DescriptorContent&, const DescriptorContent&) = default;
};

// Errors: ERROR_NOT_SUPPORTED for ACE types identity cannot represent.
Result<DescriptorContent> interpret(const BinaryDescriptor& descriptor);
Result<BinaryDescriptor> encode(const DescriptorContent& content);

}  // namespace guise::identity::win32
