// Building descriptors the way COM servers do (InitializeSecurityDescriptor, InitializeAcl,
// AddAccessAllowedAce, Set...), and MakeSelfRelativeSD / MakeAbsoluteSD between the two forms.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "bytes_support.h"
#include "guise/windows.h"

namespace guise::identity::win32 {
namespace {

using testing::bytes_at;
using testing::LocalPtr;
using testing::to_hex;

constexpr DWORD kComRightsExecute = 1;

// A COM server's access descriptor, built by hand: owner BA, group SY, DACL allowing S-1-22-1-41001
// and denying S-1-22-1-41002 COM_RIGHTS_EXECUTE.
class HandBuilt : public ::testing::Test {
 protected:
  void SetUp() override {
    SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
    ASSERT_TRUE(AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0,
                                         &admins_));
    ASSERT_TRUE(AllocateAndInitializeSid(&nt, 1, SECURITY_LOCAL_SYSTEM_RID, 0, 0, 0, 0, 0, 0, 0, &system_));
    SID_IDENTIFIER_AUTHORITY unix_authority = {0, 0, 0, 0, 0, 22};
    ASSERT_TRUE(InitializeSid(alice_, &unix_authority, 2));
    *GetSidSubAuthority(alice_, 0) = 1;
    *GetSidSubAuthority(alice_, 1) = 41001;
    ASSERT_TRUE(InitializeSid(bob_, &unix_authority, 2));
    *GetSidSubAuthority(bob_, 0) = 1;
    *GetSidSubAuthority(bob_, 1) = 41002;

    ASSERT_TRUE(InitializeAcl(acl(), sizeof acl_, ACL_REVISION));
    ASSERT_TRUE(AddAccessDeniedAce(acl(), ACL_REVISION, kComRightsExecute, bob_));
    ASSERT_TRUE(AddAccessAllowedAceEx(acl(), ACL_REVISION, 0, kComRightsExecute, alice_));
    ASSERT_TRUE(InitializeSecurityDescriptor(&absolute_, SECURITY_DESCRIPTOR_REVISION));
    ASSERT_TRUE(SetSecurityDescriptorOwner(&absolute_, admins_, FALSE));
    ASSERT_TRUE(SetSecurityDescriptorGroup(&absolute_, system_, FALSE));
    ASSERT_TRUE(SetSecurityDescriptorDacl(&absolute_, TRUE, acl(), FALSE));
  }
  void TearDown() override {
    FreeSid(admins_);
    FreeSid(system_);
  }
  PACL acl() { return reinterpret_cast<PACL>(acl_); }

  PSID admins_ = nullptr;
  PSID system_ = nullptr;
  alignas(4) std::uint8_t alice_[SECURITY_MAX_SID_SIZE] = {};
  alignas(4) std::uint8_t bob_[SECURITY_MAX_SID_SIZE] = {};
  alignas(4) std::uint8_t acl_[256] = {};
  SECURITY_DESCRIPTOR absolute_{};
};

TEST_F(HandBuilt, AclHasTheAcesInOrder) {
  EXPECT_TRUE(IsValidAcl(acl()));
  EXPECT_EQ(acl()->AceCount, 2);
  EXPECT_EQ(acl()->AclSize, 256);
  void* ace = nullptr;
  ASSERT_TRUE(GetAce(acl(), 0, &ace));
  EXPECT_EQ(static_cast<ACE_HEADER*>(ace)->AceType, ACCESS_DENIED_ACE_TYPE);
  EXPECT_EQ(static_cast<ACE_HEADER*>(ace)->AceSize, 24);
  ASSERT_TRUE(GetAce(acl(), 1, &ace));
  EXPECT_EQ(static_cast<ACE_HEADER*>(ace)->AceType, ACCESS_ALLOWED_ACE_TYPE);
  EXPECT_TRUE(EqualSid(&static_cast<ACCESS_ALLOWED_ACE*>(ace)->SidStart, alice_));
  EXPECT_FALSE(GetAce(acl(), 2, &ace));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST_F(HandBuilt, SelfRelativeIsTheSddlDescriptorsBytes) {
  DWORD size = 0;
  EXPECT_FALSE(MakeSelfRelativeSD(&absolute_, nullptr, &size));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
  // Header 20, ACL 256 (the whole AclSize, free space included), owner 16, group 12.
  ASSERT_EQ(size, 20u + 256u + 16u + 12u);
  std::vector<std::uint8_t> relative(size);
  ASSERT_TRUE(MakeSelfRelativeSD(&absolute_, relative.data(), &size));
  EXPECT_TRUE(IsValidSecurityDescriptor(relative.data()));
  EXPECT_EQ(GetSecurityDescriptorLength(relative.data()), size);

  // The same descriptor from SDDL differs only in the ACL's unused space.
  LocalPtr<void> from_sddl;
  ASSERT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorA(
      "O:BAG:SYD:(D;;0x1;;;S-1-22-1-41002)(A;;0x1;;;S-1-22-1-41001)", SDDL_REVISION_1, from_sddl.out(), nullptr));
  LocalPtr<char> a, b;
  ASSERT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorA(
      relative.data(), SDDL_REVISION_1,
      OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, a.out(), nullptr));
  ASSERT_TRUE(ConvertSecurityDescriptorToStringSecurityDescriptorA(
      from_sddl.get(), SDDL_REVISION_1,
      OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, b.out(), nullptr));
  EXPECT_STREQ(a.get(), b.get());
  EXPECT_STREQ(a.get(), "O:BAG:SYD:(D;;CC;;;S-1-22-1-41002)(A;;CC;;;S-1-22-1-41001)");
}

TEST_F(HandBuilt, AbsoluteSelfRelativeAbsoluteKeepsEveryByte) {
  DWORD size = 0;
  MakeSelfRelativeSD(&absolute_, nullptr, &size);
  std::vector<std::uint8_t> relative(size);
  ASSERT_TRUE(MakeSelfRelativeSD(&absolute_, relative.data(), &size));

  DWORD sd_size = 0, dacl_size = 0, sacl_size = 0, owner_size = 0, group_size = 0;
  EXPECT_FALSE(MakeAbsoluteSD(relative.data(), nullptr, &sd_size, nullptr, &dacl_size, nullptr, &sacl_size, nullptr,
                              &owner_size, nullptr, &group_size));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
  EXPECT_EQ(sd_size, sizeof(SECURITY_DESCRIPTOR));
  EXPECT_EQ(dacl_size, 256u);
  EXPECT_EQ(sacl_size, 0u);
  EXPECT_EQ(owner_size, 16u);
  EXPECT_EQ(group_size, 12u);

  SECURITY_DESCRIPTOR absolute{};
  std::vector<std::uint8_t> dacl(dacl_size), owner(owner_size), group(group_size);
  ASSERT_TRUE(MakeAbsoluteSD(relative.data(), &absolute, &sd_size, reinterpret_cast<PACL>(dacl.data()), &dacl_size,
                             nullptr, &sacl_size, owner.data(), &owner_size, group.data(), &group_size));
  EXPECT_EQ(absolute.Control, SE_DACL_PRESENT);
  EXPECT_EQ(absolute.Dacl, reinterpret_cast<PACL>(dacl.data()));
  EXPECT_EQ(absolute.Sacl, nullptr);
  EXPECT_EQ(to_hex(dacl), to_hex(bytes_at(acl_, sizeof acl_)));
  EXPECT_TRUE(EqualSid(absolute.Owner, admins_));
  EXPECT_TRUE(EqualSid(absolute.Group, system_));

  // And back: the same self-relative bytes.
  DWORD again_size = size;
  std::vector<std::uint8_t> again(again_size);
  ASSERT_TRUE(MakeSelfRelativeSD(&absolute, again.data(), &again_size));
  EXPECT_EQ(to_hex(again), to_hex(relative));
}

TEST_F(HandBuilt, EachConversionRefusesTheWrongForm) {
  DWORD size = 1024;
  std::vector<std::uint8_t> relative(size);
  ASSERT_TRUE(MakeSelfRelativeSD(&absolute_, relative.data(), &size));
  std::vector<std::uint8_t> out(1024);
  EXPECT_FALSE(MakeSelfRelativeSD(relative.data(), out.data(), &size));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_BAD_DESCRIPTOR_FORMAT));
  DWORD a = 1024, b = 1024, c = 1024, d = 1024, e = 1024;
  std::uint8_t buffers[5][1024];
  EXPECT_FALSE(MakeAbsoluteSD(&absolute_, buffers[0], &a, reinterpret_cast<PACL>(buffers[1]), &b,
                              reinterpret_cast<PACL>(buffers[2]), &c, buffers[3], &d, buffers[4], &e));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_BAD_DESCRIPTOR_FORMAT));
  // Setters refuse a self-relative descriptor.
  EXPECT_FALSE(SetSecurityDescriptorOwner(relative.data(), nullptr, FALSE));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_SECURITY_DESCR));
}

TEST_F(HandBuilt, GettersReadBothForms) {
  DWORD size = 1024;
  std::vector<std::uint8_t> relative(size);
  ASSERT_TRUE(MakeSelfRelativeSD(&absolute_, relative.data(), &size));
  for (PSECURITY_DESCRIPTOR sd :
       {static_cast<PSECURITY_DESCRIPTOR>(&absolute_), static_cast<PSECURITY_DESCRIPTOR>(relative.data())}) {
    PSID owner = nullptr, group = nullptr;
    BOOL owner_defaulted = TRUE, group_defaulted = TRUE, present = FALSE, dacl_defaulted = TRUE;
    PACL dacl = nullptr;
    ASSERT_TRUE(GetSecurityDescriptorOwner(sd, &owner, &owner_defaulted));
    ASSERT_TRUE(GetSecurityDescriptorGroup(sd, &group, &group_defaulted));
    ASSERT_TRUE(GetSecurityDescriptorDacl(sd, &present, &dacl, &dacl_defaulted));
    EXPECT_TRUE(EqualSid(owner, admins_));
    EXPECT_TRUE(EqualSid(group, system_));
    EXPECT_FALSE(owner_defaulted);
    EXPECT_TRUE(present);
    EXPECT_TRUE(IsValidAcl(dacl));
    EXPECT_EQ(dacl->AceCount, 2);
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision = 0;
    ASSERT_TRUE(GetSecurityDescriptorControl(sd, &control, &revision));
    EXPECT_EQ(revision, 1u);
    EXPECT_EQ(control & SE_DACL_PRESENT, SE_DACL_PRESENT);
    BOOL sacl_present = TRUE;
    PACL sacl = reinterpret_cast<PACL>(1);
    ASSERT_TRUE(GetSecurityDescriptorSacl(sd, &sacl_present, &sacl, &dacl_defaulted));
    EXPECT_FALSE(sacl_present);
  }
}

TEST(Win32Descriptor, AclAndSidArgumentErrors) {
  alignas(4) std::uint8_t buffer[256];
  PACL acl = reinterpret_cast<PACL>(buffer);
  EXPECT_FALSE(InitializeAcl(acl, sizeof(ACL) - 1, ACL_REVISION));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
  EXPECT_FALSE(InitializeAcl(acl, 0xffffffff, ACL_REVISION));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  EXPECT_FALSE(InitializeAcl(acl, sizeof buffer, ACL_REVISION1));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  ASSERT_TRUE(InitializeAcl(acl, 8 + 20, ACL_REVISION));  // room for one ACE with a one-part SID
  SID_IDENTIFIER_AUTHORITY world = SECURITY_WORLD_SID_AUTHORITY;
  PSID everyone = nullptr;
  ASSERT_TRUE(AllocateAndInitializeSid(&world, 1, SECURITY_WORLD_RID, 0, 0, 0, 0, 0, 0, 0, &everyone));
  EXPECT_TRUE(AddAccessAllowedAce(acl, ACL_REVISION, GENERIC_ALL, everyone));
  EXPECT_FALSE(AddAccessAllowedAce(acl, ACL_REVISION, GENERIC_ALL, everyone));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_ALLOTTED_SPACE_EXCEEDED));
  EXPECT_FALSE(AddAccessAllowedAceEx(acl, ACL_REVISION, 0x40, GENERIC_ALL, everyone));  // not an inherit flag
  std::uint8_t broken_sid[8] = {1, 16, 0, 0, 0, 0, 0, 1};
  EXPECT_FALSE(AddAccessDeniedAce(acl, ACL_REVISION, 1, broken_sid));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_SID));
  EXPECT_FALSE(IsValidSid(broken_sid));
  EXPECT_FALSE(IsValidSid(nullptr));
  EXPECT_FALSE(EqualSid(everyone, broken_sid));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_SID));
  EXPECT_EQ(GetSidSubAuthority(everyone, 1), nullptr);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));

  std::uint8_t copy[12];
  EXPECT_FALSE(CopySid(8, copy, everyone));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
  ASSERT_TRUE(CopySid(sizeof copy, copy, everyone));
  EXPECT_TRUE(EqualSid(copy, everyone));
  EXPECT_EQ(GetSidLengthRequired(2), 16u);
  EXPECT_EQ(GetSidIdentifierAuthority(everyone)->Value[5], 1);
  PSID too_long = nullptr;
  EXPECT_FALSE(AllocateAndInitializeSid(&world, 9, 0, 0, 0, 0, 0, 0, 0, 0, &too_long));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_SID));
  EXPECT_EQ(FreeSid(everyone), nullptr);

  SECURITY_DESCRIPTOR sd;
  EXPECT_FALSE(InitializeSecurityDescriptor(&sd, 2));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_UNKNOWN_REVISION));
}

TEST(Win32Descriptor, MapGenericMask) {
  GENERIC_MAPPING mapping{0x1, 0x2, 0x4, 0x7};
  DWORD mask = GENERIC_READ | GENERIC_EXECUTE | 0x100;
  MapGenericMask(&mask, &mapping);
  EXPECT_EQ(mask, 0x105u);
  mask = GENERIC_ALL;
  MapGenericMask(&mask, &mapping);
  EXPECT_EQ(mask, 0x7u);
}

}  // namespace
}  // namespace guise::identity::win32
