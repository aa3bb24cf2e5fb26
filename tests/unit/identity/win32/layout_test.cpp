// The binary formats byte for byte (MS-DTYP 2.4.2.2 SID, 2.4.5 ACL, 2.4.4 ACE, 2.4.6 security
// descriptor), against hand-computed vectors, and the bounded self-relative parser on malformed input.
#include <gtest/gtest.h>

#include <cstddef>

#include "bytes_support.h"
#include "guise/windows.h"
#include "identity/win32/binary_acl.h"
#include "identity/win32/binary_security_descriptor.h"
#include "identity/win32/binary_sid.h"
#include "identity/win32/bytes.h"

namespace guise::identity::win32 {
namespace {

using testing::from_hex;
using testing::LocalPtr;
using testing::to_hex;

// "O:BAG:SYD:(A;;0x1;;;WD)" as Windows lays it out: header, (no SACL), DACL, owner, group.
constexpr const char* kComDescriptor =
    "01 00 04 80 | 30 00 00 00 | 40 00 00 00 | 00 00 00 00 | 14 00 00 00 "  // rev, sbz1, control 0x8004, offsets
    "02 00 1c 00 01 00 00 00 "                                              // DACL: rev 2, size 28, 1 ACE
    "00 00 14 00 01 00 00 00 01 01 00 00 00 00 00 01 00 00 00 00 "          // ALLOW, size 20, mask 1, S-1-1-0
    "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00 "                      // owner S-1-5-32-544
    "01 01 00 00 00 00 00 05 12 00 00 00";                                  // group S-1-5-18

// "G:BUD:(D;;0x2;;;AN)S:(AU;FA;0x1;;;WD)": the SACL comes first, then the DACL, then the group.
constexpr const char* kAuditedDescriptor =
    "01 00 14 80 | 00 00 00 00 | 4c 00 00 00 | 14 00 00 00 | 30 00 00 00 "                  // control 0x8014
    "02 00 1c 00 01 00 00 00 02 80 14 00 01 00 00 00 01 01 00 00 00 00 00 01 00 00 00 00 "  // SACL: AU, FA
    "02 00 1c 00 01 00 00 00 01 00 14 00 02 00 00 00 01 01 00 00 00 00 00 05 07 00 00 00 "  // DACL: DENY AN
    "01 02 00 00 00 00 00 05 20 00 00 00 21 02 00 00";                                      // group S-1-5-32-545

std::vector<std::uint8_t> convert(const char* sddl) {
  LocalPtr<void> sd;
  ULONG size = 0;
  EXPECT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, SDDL_REVISION_1, sd.out(), &size))
      << sddl << ": " << GetLastError();
  if (sd.get() == nullptr) return {};
  const auto* p = static_cast<const std::uint8_t*>(sd.get());
  return {p, p + size};
}

TEST(Win32Layout, StructuresHaveWindowsSizesAndOffsets) {
  EXPECT_EQ(sizeof(SID_IDENTIFIER_AUTHORITY), 6u);
  EXPECT_EQ(offsetof(SID, SubAuthority), 8u);
  EXPECT_EQ(sizeof(ACL), 8u);
  EXPECT_EQ(sizeof(ACE_HEADER), 4u);
  EXPECT_EQ(offsetof(ACCESS_ALLOWED_ACE, SidStart), 8u);
  EXPECT_EQ(sizeof(SECURITY_DESCRIPTOR_RELATIVE), 20u);
  EXPECT_EQ(offsetof(SECURITY_DESCRIPTOR_RELATIVE, Dacl), 16u);
  // LP64: four pointers after 4 bytes, aligned to 8.
  EXPECT_EQ(sizeof(SECURITY_DESCRIPTOR), 40u);
  EXPECT_EQ(SECURITY_DESCRIPTOR_MIN_LENGTH, 40u);
  EXPECT_EQ(sizeof(LUID_AND_ATTRIBUTES), 12u);
  EXPECT_EQ(sizeof(PRIVILEGE_SET), 20u);
  EXPECT_EQ(sizeof(SID_AND_ATTRIBUTES), 16u);
  EXPECT_EQ(offsetof(TOKEN_GROUPS, Groups), 8u);
  EXPECT_EQ(SECURITY_MAX_SID_SIZE, 68);
}

TEST(Win32Layout, SidBytesFollowMsDtyp) {
  // S-1-22-1-41001: authority big-endian, sub-authorities little-endian.
  EXPECT_EQ(to_hex(encode_sid(Sid::unix_user(41001))), "01 02 00 00 00 00 00 16 01 00 00 00 29 a0 00 00");
  // A 48-bit authority above 2^32.
  const Sid wide(0x123456789ABCull, {7});
  EXPECT_EQ(to_hex(encode_sid(wide)), "01 01 12 34 56 78 9a bc 07 00 00 00");
  auto decoded = decode_sid(encode_sid(wide));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, wide);
  EXPECT_EQ(decoded->to_string(), "S-1-0x123456789ABC-7");
}

TEST(Win32Layout, SidDecoderRefusesWhatDoesNotFit) {
  const auto good = from_hex("01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00");
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(decode_sid(std::span(good).first(cut)).ok()) << "truncated to " << cut;
  }
  auto wrong_revision = good;
  wrong_revision[0] = 2;
  EXPECT_FALSE(decode_sid(wrong_revision).ok());
  auto sixteen = from_hex("01 10 00 00 00 00 00 05");  // 16 sub-authorities: one too many
  sixteen.resize(8 + 64);
  EXPECT_FALSE(decode_sid(sixteen).ok());
  EXPECT_EQ(win32_error_code(decode_sid(wrong_revision).status(), 0), static_cast<DWORD>(ERROR_INVALID_SID));
}

TEST(Win32Layout, SddlProducesWindowsSelfRelativeLayout) {
  EXPECT_EQ(to_hex(convert("O:BAG:SYD:(A;;0x1;;;WD)")), to_hex(from_hex(kComDescriptor)));
  EXPECT_EQ(to_hex(convert("G:BUD:(D;;0x2;;;AN)S:(AU;FA;0x1;;;WD)")), to_hex(from_hex(kAuditedDescriptor)));
}

TEST(Win32Layout, ControlFlagsForDaclForms) {
  // No D: at all: no DACL present. "D:" an empty DACL. NO_ACCESS_CONTROL: present, offset 0 (NULL DACL).
  EXPECT_EQ(to_hex(convert("O:SY")),
            "01 00 00 80 14 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
            "01 01 00 00 00 00 00 05 12 00 00 00");
  EXPECT_EQ(to_hex(convert("D:")),
            "01 00 04 80 00 00 00 00 00 00 00 00 00 00 00 00 14 00 00 00 "
            "02 00 08 00 00 00 00 00");
  EXPECT_EQ(to_hex(convert("D:NO_ACCESS_CONTROL")), "01 00 04 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
  // P, AI, AR on the DACL and SACL land in SE_DACL_* / SE_SACL_* bits.
  const auto flagged = convert("D:PAIAR(A;;0x1;;;WD)S:P(AU;SA;0x1;;;WD)");
  ASSERT_GE(flagged.size(), 4u);
  const unsigned control = flagged[2] | (flagged[3] << 8);
  EXPECT_EQ(control, SE_SELF_RELATIVE | SE_DACL_PRESENT | SE_SACL_PRESENT | SE_DACL_PROTECTED | SE_DACL_AUTO_INHERITED |
                         SE_DACL_AUTO_INHERIT_REQ | SE_SACL_PROTECTED);
}

TEST(Win32Layout, ParsesTheHandWrittenVectors) {
  auto com = parse_self_relative(from_hex(kComDescriptor));
  ASSERT_TRUE(com.ok()) << com.status().to_string();
  EXPECT_EQ(com->control, SE_DACL_PRESENT);
  EXPECT_EQ(to_hex(com->owner), "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00");
  auto content = interpret(*com);
  ASSERT_TRUE(content.ok());
  ASSERT_TRUE(content->descriptor.dacl.has_value());
  ASSERT_EQ(content->descriptor.dacl->size(), 1u);
  EXPECT_EQ((*content->descriptor.dacl)[0].sid, well_known::kEveryone());
  EXPECT_EQ((*content->descriptor.dacl)[0].mask, 1u);
  EXPECT_EQ(content->descriptor.group, well_known::kLocalSystem());
  // And writing it again gives the same bytes.
  EXPECT_EQ(to_hex(to_self_relative(*com)), to_hex(from_hex(kComDescriptor)));
}

TEST(Win32Layout, ParserAcceptsPartsInAnyOrder) {
  // Owner first, then group, then DACL (the order some encoders use): same descriptor.
  const auto reordered = from_hex(
      "01 00 04 80 | 14 00 00 00 | 24 00 00 00 | 00 00 00 00 | 30 00 00 00 "
      "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00 "
      "01 01 00 00 00 00 00 05 12 00 00 00 "
      "02 00 1c 00 01 00 00 00 00 00 14 00 01 00 00 00 01 01 00 00 00 00 00 01 00 00 00 00");
  auto parsed = parse_self_relative(reordered);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ(to_hex(to_self_relative(*parsed)), to_hex(from_hex(kComDescriptor)));
}

TEST(Win32Layout, ParserRefusesEveryTruncation) {
  const auto good = from_hex(kAuditedDescriptor);
  ASSERT_TRUE(parse_self_relative(good).ok());
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(parse_self_relative(std::span(good).first(cut)).ok()) << "truncated to " << cut;
  }
}

struct Corruption {
  const char* what;
  std::size_t at;
  std::uint8_t value;
  DWORD error;
  // Whether the bytes the corrupted headers declare still lie inside the buffer, so the Win32 entry
  // points (which take no length and trust the declared sizes, as Windows does) may be given it.
  bool declared_within_buffer = true;
};

TEST(Win32Layout, ParserRefusesMalformedParts) {
  const Corruption cases[] = {
      {"revision 2", 0, 2, ERROR_UNKNOWN_REVISION},
      {"absolute form (SE_SELF_RELATIVE clear)", 3, 0x00, ERROR_BAD_DESCRIPTOR_FORMAT, false},
      {"owner offset into the header", 4, 0x08, ERROR_INVALID_SECURITY_DESCR},
      {"owner offset past the end", 4, 0xff, ERROR_INVALID_SECURITY_DESCR, false},
      {"group SID revision", 0x40, 3, ERROR_INVALID_SECURITY_DESCR},
      {"group SID count 15 runs past the end", 0x41, 15, ERROR_INVALID_SECURITY_DESCR, false},
      {"ACL revision 1", 0x14, 1, ERROR_INVALID_SECURITY_DESCR},
      {"AclSize past the end", 0x17, 0x10, ERROR_INVALID_SECURITY_DESCR, false},
      {"AclSize below the header", 0x16, 4, ERROR_INVALID_SECURITY_DESCR},
      {"two ACEs declared, one present", 0x18, 2, ERROR_INVALID_SECURITY_DESCR},
      {"AceSize not a multiple of 4", 0x1e, 0x13, ERROR_INVALID_SECURITY_DESCR},
      {"AceSize past the ACL", 0x1e, 0x18, ERROR_INVALID_SECURITY_DESCR},
      {"ACE's SID count past the ACE", 0x25, 3, ERROR_INVALID_SECURITY_DESCR},
  };
  for (const Corruption& c : cases) {
    auto bytes = from_hex(kComDescriptor);
    bytes[c.at] = c.value;
    auto parsed = parse_self_relative(bytes);
    ASSERT_FALSE(parsed.ok()) << c.what;
    EXPECT_EQ(win32_error_code(parsed.status(), 0), c.error) << c.what << ": " << parsed.status().to_string();
    // The Win32 entry points, which have no length, refuse the same descriptor.
    if (c.declared_within_buffer) {
      EXPECT_FALSE(IsValidSecurityDescriptor(bytes.data())) << c.what;
    }
  }
}

TEST(Win32Layout, FlagsDecideWhetherAnAclIsThere) {
  // SE_DACL_PRESENT clear: the DACL offset is ignored (no DACL), even if it points at garbage.
  auto bytes = from_hex(kComDescriptor);
  bytes[2] = 0x00;
  bytes[0x14] = 0xee;
  auto parsed = parse_self_relative(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_TRUE(parsed->dacl.empty());
  EXPECT_EQ(parsed->control & SE_DACL_PRESENT, 0);
}

TEST(Win32Layout, AceTypesGuiseCannotEvaluateAreKeptButNotInterpreted) {
  // An ACCESS_ALLOWED_OBJECT_ACE (type 5) with no GUIDs: structurally valid, copied by
  // MakeSelfRelativeSD, but refused where it would have to be evaluated.
  const auto acl =
      from_hex("04 00 20 00 01 00 00 00 05 00 18 00 01 00 00 00 00 00 00 00 01 01 00 00 00 00 00 01 00 00 00 00");
  ASSERT_TRUE(validate_acl(acl).ok());
  auto decoded = decode_acl(acl);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(win32_error_code(decoded.status(), 0), static_cast<DWORD>(ERROR_NOT_SUPPORTED));
  // The object flags announce a GUID that is not there.
  auto missing_guid = acl;
  missing_guid[16] = ACE_OBJECT_TYPE_PRESENT;  // the object flags follow the mask
  EXPECT_FALSE(validate_acl(missing_guid).ok());
}

TEST(Win32Layout, EncodedAclOfTooManyAcesIsRefused) {
  std::vector<Ace> aces(3300, Ace{AceType::kAccessAllowed, 0, 1, Sid::unix_user(1)});  // 3300 × 24 > 65535
  EXPECT_FALSE(encode_acl(aces).ok());
  aces.resize(2700);
  EXPECT_TRUE(encode_acl(aces).ok());
}

}  // namespace
}  // namespace guise::identity::win32
