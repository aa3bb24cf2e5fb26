// ConvertStringSecurityDescriptorToSecurityDescriptor / ConvertSecurityDescriptorToString...: round
// trips SDDL → binary → SDDL, Windows' output form, and Windows' error codes.
#include <gtest/gtest.h>

#include <string>

#include "base/utf16.h"
#include "bytes_support.h"
#include "guise/windows.h"

namespace guise::identity::win32 {
namespace {

using testing::LocalPtr;

constexpr SECURITY_INFORMATION kAllParts =
    OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION;

// SDDL → self-relative → SDDL, through the W functions.
std::string round_trip(const std::string& sddl, SECURITY_INFORMATION parts = kAllParts) {
  LocalPtr<void> sd;
  const std::u16string wide = utf8_to_utf16(sddl);
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(wide.c_str(), SDDL_REVISION_1, sd.out(), nullptr)) {
    return "error " + std::to_string(GetLastError());
  }
  EXPECT_TRUE(IsValidSecurityDescriptor(sd.get())) << sddl;
  LocalPtr<WCHAR> text;
  ULONG length = 0;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorW(sd.get(), SDDL_REVISION_1, parts, text.out(), &length)) {
    return "error " + std::to_string(GetLastError());
  }
  const std::string out = utf16_to_utf8(text.get());
  EXPECT_EQ(length, out.size() + 1) << "the length counts the terminating NUL";
  return out;
}

DWORD convert_error(const char* sddl, DWORD revision = SDDL_REVISION_1) {
  LocalPtr<void> sd;
  SetLastError(0);
  EXPECT_FALSE(ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, revision, sd.out(), nullptr)) << sddl;
  EXPECT_EQ(sd.get(), nullptr);
  return GetLastError();
}

TEST(Win32Sddl, RoundTripsInWindowsForm) {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"O:SYG:SYD:(A;;0x3;;;WD)", "O:SYG:SYD:(A;;CCDC;;;WD)"},
      {"O:BAG:BAD:(A;;0x7;;;S-1-22-1-41001)(D;;0x1;;;S-1-22-2-42000)",
       "O:BAG:BAD:(A;;CCDCLC;;;S-1-22-1-41001)(D;;CC;;;S-1-22-2-42000)"},
      // Windows' output for these masks (as its own tests show): letters for named bits in ascending
      // order, hex when a bit has no name, the file composite for an exact match.
      {"D:(A;NP;0xf0000000;;;SU)(A;IOID;0x3;;;SU)(D;OICI;0xffffffff;;;S-1-5-21-93476-23408-4576)",
       "D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)(D;OICI;0xffffffff;;;S-1-5-21-93476-23408-4576)"},
      {"S:(AU;OICINPIOIDSAFA;0x2001f;;;SU)(AU;NPSA;0x12019f;;;SU)",
       "S:(AU;OICINPIOIDSAFA;CCDCLCSWRPRC;;;SU)(AU;NPSA;0x12019f;;;SU)"},
      {"D:(A;;FA;;;SY)(A;;KR;;;BU)", "D:(A;;FA;;;SY)(A;;KR;;;BU)"},
      {"O:S-1-2-0", "O:S-1-2-0"},
      {"G:S-1-5-21-93476-23408-4576", "G:S-1-5-21-93476-23408-4576"},
      {"D:", "D:"},
      {"O:SYD:NO_ACCESS_CONTROL", "O:SYD:NO_ACCESS_CONTROL"},
      {"O:SYG:SY", "O:SYG:SY"},  // no DACL at all: no D: in the output
      {"D:PAI(A;;0x1;;;AU)S:", "D:PAI(A;;CC;;;AU)S:"},
      {"", ""},
      {"S:(ML;;0x1;;;LW)", "S:(ML;;CC;;;LW)"},
  };
  for (const Row& row : rows) EXPECT_EQ(round_trip(row.in), row.out) << row.in;
}

TEST(Win32Sddl, SecurityInformationSelectsTheParts) {
  const std::string sddl = "O:BAG:SYD:(A;;0x1;;;WD)S:(AU;SA;0x1;;;WD)(ML;;0x1;;;ME)";
  EXPECT_EQ(round_trip(sddl, OWNER_SECURITY_INFORMATION), "O:BA");
  EXPECT_EQ(round_trip(sddl, GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION), "G:SYD:(A;;CC;;;WD)");
  EXPECT_EQ(round_trip(sddl, SACL_SECURITY_INFORMATION), "S:(AU;SA;CC;;;WD)(ML;;CC;;;ME)");
  EXPECT_EQ(round_trip(sddl, LABEL_SECURITY_INFORMATION), "S:(ML;;CC;;;ME)");
  EXPECT_EQ(round_trip(sddl, 0), "");
}

TEST(Win32Sddl, ReturnsTheSizeAndFormatsAbsoluteDescriptors) {
  LocalPtr<void> sd;
  ULONG size = 0;
  ASSERT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorA("O:BAG:SYD:(A;;0x1;;;WD)", SDDL_REVISION_1, sd.out(),
                                                                   &size));
  EXPECT_EQ(size, 76u);
  EXPECT_EQ(GetSecurityDescriptorLength(sd.get()), 76u);

  // An absolute descriptor built by hand converts to the same text.
  SECURITY_DESCRIPTOR absolute;
  ASSERT_TRUE(InitializeSecurityDescriptor(&absolute, SECURITY_DESCRIPTOR_REVISION));
  LocalPtr<char> empty;
  ASSERT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorA(&absolute, SDDL_REVISION_1, kAllParts, empty.out(),
                                                                   nullptr));
  EXPECT_STREQ(empty.get(), "");
  PSID owner = nullptr;
  BOOL defaulted = TRUE;
  ASSERT_TRUE(GetSecurityDescriptorOwner(sd.get(), &owner, &defaulted));
  ASSERT_TRUE(SetSecurityDescriptorOwner(&absolute, owner, FALSE));
  ASSERT_TRUE(SetSecurityDescriptorDacl(&absolute, TRUE, nullptr, FALSE));
  LocalPtr<char> text;
  ASSERT_TRUE(
      ConvertSecurityDescriptorToStringSecurityDescriptorA(&absolute, SDDL_REVISION_1, kAllParts, text.out(), nullptr));
  EXPECT_STREQ(text.get(), "O:BAD:NO_ACCESS_CONTROL");
}

TEST(Win32Sddl, ErrorsAreWindows) {
  EXPECT_EQ(convert_error("D:(A;;GA;;;WD)", 2), static_cast<DWORD>(ERROR_UNKNOWN_REVISION));
  EXPECT_EQ(convert_error("ERROR:(D;;GA;;;WD)"), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  EXPECT_EQ(convert_error("O:SYO:SY"), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  EXPECT_EQ(convert_error("D:(A;;ROB;;;WD)"), static_cast<DWORD>(ERROR_INVALID_ACL));
  EXPECT_EQ(convert_error("D:(D;;GA;;;Nonexistent account)"), static_cast<DWORD>(ERROR_INVALID_ACL));
  EXPECT_EQ(convert_error("O:XY"), static_cast<DWORD>(ERROR_INVALID_SID));
  EXPECT_EQ(convert_error("G:S-1-x"), static_cast<DWORD>(ERROR_INVALID_SID));
  // Object ACEs are refused, never dropped.
  EXPECT_EQ(convert_error("D:(OA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)"),
            static_cast<DWORD>(ERROR_INVALID_ACL));

  SetLastError(0);
  EXPECT_FALSE(ConvertStringSecurityDescriptorToSecurityDescriptorW(nullptr, SDDL_REVISION_1, nullptr, nullptr));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));

  LocalPtr<void> sd;
  ASSERT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorA("O:SY", SDDL_REVISION_1, sd.out(), nullptr));
  LocalPtr<WCHAR> text;
  EXPECT_FALSE(ConvertSecurityDescriptorToStringSecurityDescriptorW(sd.get(), 0, kAllParts, text.out(), nullptr));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_UNKNOWN_REVISION));
  // BACKUP_SECURITY_INFORMATION: TRUE and a NULL string, as documented.
  ULONG length = 7;
  EXPECT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorW(sd.get(), SDDL_REVISION_1,
                                                                   BACKUP_SECURITY_INFORMATION, text.out(), &length));
  EXPECT_EQ(text.get(), nullptr);
  EXPECT_EQ(length, 0u);
}

TEST(Win32Sddl, SidTextRoundTripsAndAliases) {
  LocalPtr<void> sid;
  ASSERT_TRUE(ConvertStringSidToSidW(u"S-1-22-1-41001", sid.out()));
  EXPECT_EQ(GetLengthSid(sid.get()), 16u);
  EXPECT_EQ(*GetSidSubAuthorityCount(sid.get()), 2);
  EXPECT_EQ(*GetSidSubAuthority(sid.get(), 0), 1u);
  EXPECT_EQ(*GetSidSubAuthority(sid.get(), 1), 41001u);
  LocalPtr<WCHAR> text;
  ASSERT_TRUE(ConvertSidToStringSidW(sid.get(), text.out()));
  EXPECT_EQ(std::u16string(text.get()), u"S-1-22-1-41001");

  LocalPtr<void> admins;
  ASSERT_TRUE(ConvertStringSidToSidA("BA", admins.out()));
  LocalPtr<char> admins_text;
  ASSERT_TRUE(ConvertSidToStringSidA(admins.get(), admins_text.out()));
  EXPECT_STREQ(admins_text.get(), "S-1-5-32-544");

  LocalPtr<void> bad;
  EXPECT_FALSE(ConvertStringSidToSidA("S-1-5-not-a-number", bad.out()));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_SID));
  const std::uint8_t broken_sid[8] = {2, 1, 0, 0, 0, 0, 0, 5};
  EXPECT_FALSE(ConvertSidToStringSidA(const_cast<std::uint8_t*>(broken_sid), admins_text.out()));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_SID));
  EXPECT_FALSE(ConvertSidToStringSidW(sid.get(), nullptr));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(Win32Sddl, LocalMemory) {
  void* zeroed = LocalAlloc(LPTR, 64);
  ASSERT_NE(zeroed, nullptr);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(static_cast<unsigned char*>(zeroed)[i], 0);
  EXPECT_EQ(LocalFree(zeroed), nullptr);
  EXPECT_EQ(LocalFree(nullptr), nullptr);
  EXPECT_EQ(LocalAlloc(LMEM_MOVEABLE, 16), nullptr);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOT_SUPPORTED));
}

}  // namespace
}  // namespace guise::identity::win32
