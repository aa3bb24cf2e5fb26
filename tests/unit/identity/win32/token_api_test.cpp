// OpenProcessToken / OpenThreadToken / GetTokenInformation / DuplicateToken / AccessCheck, with the
// thread's identity cross-checked against what the kernel reports in /proc.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "base/handle_table.h"
#include "bytes_support.h"
#include "guise/windows.h"
#include "identity/impersonation.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::identity::win32 {
namespace {

using guise::testing::read_proc_ids;
using testing::LocalPtr;

constexpr DWORD kExecute = 1;  // COM_RIGHTS_EXECUTE
GENERIC_MAPPING com_mapping() { return {kExecute, kExecute, kExecute, kExecute}; }

Token user(uid_t uid, ImpersonationLevel level = ImpersonationLevel::kImpersonate) {
  return Token::for_ids(uid, uid, {uid, 42000}, level);
}

// The token's TokenUser SID as text.
std::string token_user(HANDLE token) {
  DWORD needed = 0;
  EXPECT_FALSE(GetTokenInformation(token, TokenUser, nullptr, 0, &needed));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
  std::vector<std::uint8_t> buffer(needed);
  if (!GetTokenInformation(token, TokenUser, buffer.data(), needed, &needed)) return "error";
  LocalPtr<char> text;
  if (!ConvertSidToStringSidA(reinterpret_cast<TOKEN_USER*>(buffer.data())->User.Sid, text.out())) return "bad SID";
  return text.get();
}

std::vector<std::string> token_groups(HANDLE token) {
  DWORD needed = 0;
  GetTokenInformation(token, TokenGroups, nullptr, 0, &needed);
  std::vector<std::uint8_t> buffer(needed);
  std::vector<std::string> out;
  if (!GetTokenInformation(token, TokenGroups, buffer.data(), needed, &needed)) return out;
  const auto* groups = reinterpret_cast<TOKEN_GROUPS*>(buffer.data());
  for (DWORD i = 0; i < groups->GroupCount; ++i) {
    LocalPtr<char> text;
    ConvertSidToStringSidA(groups->Groups[i].Sid, text.out());
    out.push_back(text.get());
    EXPECT_EQ(groups->Groups[i].Attributes, SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED);
  }
  return out;
}

DWORD dword_info(HANDLE token, TOKEN_INFORMATION_CLASS which) {
  DWORD value = 0xdeadbeef, size = 0;
  if (!GetTokenInformation(token, which, &value, sizeof value, &size)) return 0xffffffff;
  EXPECT_EQ(size, sizeof value);
  return value;
}

struct CheckResult {
  BOOL ran = FALSE;
  BOOL status = FALSE;
  DWORD granted = 0;
  DWORD error = 0;
};

CheckResult access_check(const char* sddl, HANDLE token, DWORD desired) {
  LocalPtr<void> sd;
  EXPECT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl, SDDL_REVISION_1, sd.out(), nullptr)) << sddl;
  GENERIC_MAPPING mapping = com_mapping();
  PRIVILEGE_SET privileges;
  DWORD privileges_size = sizeof privileges;
  CheckResult result;
  SetLastError(0);
  result.ran =
      AccessCheck(sd.get(), token, desired, &mapping, &privileges, &privileges_size, &result.granted, &result.status);
  result.error = GetLastError();
  if (result.ran) {
    EXPECT_EQ(privileges.PrivilegeCount, 0u);
  }
  return result;
}

// An impersonation token of the process (root here), as Windows servers get one for AccessCheck.
HANDLE process_impersonation_token(SECURITY_IMPERSONATION_LEVEL level = SecurityImpersonation) {
  HANDLE process = nullptr;
  EXPECT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE | TOKEN_QUERY, &process));
  HANDLE duplicate = nullptr;
  EXPECT_TRUE(DuplicateToken(process, level, &duplicate));
  EXPECT_TRUE(CloseHandle(process));
  return duplicate;
}

TEST(Win32Token, ProcessTokenIsPrimaryAndNamesTheProcess) {
  const std::size_t handles_before = HandleTable::process().size();
  HANDLE token = nullptr;
  ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
  EXPECT_EQ(token_user(token), "S-1-22-1-" + std::to_string(::geteuid()));
  EXPECT_EQ(dword_info(token, TokenType), static_cast<DWORD>(TokenPrimary));
  DWORD level = 0, size = 0;
  EXPECT_FALSE(GetTokenInformation(token, TokenImpersonationLevel, &level, sizeof level, &size));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  const auto groups = token_groups(token);
  EXPECT_NE(std::find(groups.begin(), groups.end(), "S-1-22-2-" + std::to_string(::getegid())), groups.end());
  EXPECT_NE(std::find(groups.begin(), groups.end(), "S-1-1-0"), groups.end());

  std::vector<std::uint8_t> buffer(256);
  ASSERT_TRUE(GetTokenInformation(token, TokenPrimaryGroup, buffer.data(), 256, &size));
  LocalPtr<char> group;
  ASSERT_TRUE(ConvertSidToStringSidA(reinterpret_cast<TOKEN_PRIMARY_GROUP*>(buffer.data())->PrimaryGroup, group.out()));
  EXPECT_EQ(std::string(group.get()), "S-1-22-2-" + std::to_string(::getegid()));
  ASSERT_TRUE(GetTokenInformation(token, TokenPrivileges, buffer.data(), 256, &size));
  EXPECT_EQ(reinterpret_cast<TOKEN_PRIVILEGES*>(buffer.data())->PrivilegeCount, 0u);

  EXPECT_TRUE(CloseHandle(token));
  EXPECT_FALSE(CloseHandle(token));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  EXPECT_EQ(HandleTable::process().size(), handles_before);
}

TEST(Win32Token, BufferTooSmallLeavesItUntouched) {
  HANDLE token = nullptr;
  ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token));
  DWORD needed = 0;
  GetTokenInformation(token, TokenGroups, nullptr, 0, &needed);
  ASSERT_GT(needed, sizeof(TOKEN_GROUPS));
  std::vector<std::uint8_t> buffer(needed - 1, 0xcc);
  DWORD size = 0;
  EXPECT_FALSE(GetTokenInformation(token, TokenGroups, buffer.data(), needed - 1, &size));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
  EXPECT_EQ(size, needed);
  for (std::uint8_t b : buffer) ASSERT_EQ(b, 0xcc);
  EXPECT_FALSE(GetTokenInformation(token, TokenUser, buffer.data(), needed - 1, nullptr));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOACCESS));
  EXPECT_FALSE(GetTokenInformation(token, TokenStatistics, buffer.data(), needed - 1, &size));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOT_SUPPORTED));
  EXPECT_FALSE(GetTokenInformation(token, static_cast<TOKEN_INFORMATION_CLASS>(0), buffer.data(), needed, &size));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  CloseHandle(token);
}

TEST(Win32Token, HandlesAreCheckedForKindAndAccess) {
  HANDLE token = nullptr;
  ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE, &token));
  DWORD size = 0;
  EXPECT_FALSE(GetTokenInformation(token, TokenUser, nullptr, 0, &size));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_ACCESS_DENIED));
  // A token is not waitable; an event is not a token.
  EXPECT_EQ(WaitForSingleObject(token, 0), WAIT_FAILED);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  HANDLE event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  EXPECT_FALSE(GetTokenInformation(event, TokenUser, nullptr, 0, &size));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  CloseHandle(event);
  CloseHandle(token);

  HANDLE other = nullptr;
  EXPECT_FALSE(OpenProcessToken(reinterpret_cast<HANDLE>(8), TOKEN_QUERY, &other));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  EXPECT_FALSE(OpenProcessToken(GetCurrentProcess(), ACCESS_SYSTEM_SECURITY, &other));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_PRIVILEGE_NOT_HELD));
  EXPECT_FALSE(OpenProcessToken(GetCurrentProcess(), SYNCHRONIZE, &other));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_ACCESS_DENIED));
  EXPECT_FALSE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, nullptr));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOACCESS));
  ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), MAXIMUM_ALLOWED, &other));
  EXPECT_EQ(token_user(other), "S-1-22-1-" + std::to_string(::geteuid()));  // MAXIMUM_ALLOWED includes TOKEN_QUERY
  CloseHandle(other);
}

TEST(Win32Token, ThreadRunningAsTheProcessHasNoToken) {
  HANDLE token = reinterpret_cast<HANDLE>(0x1234);
  EXPECT_FALSE(OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_TOKEN));
  EXPECT_FALSE(OpenThreadToken(GetCurrentProcess(), TOKEN_QUERY, TRUE, &token));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

TEST(Win32Token, ImpersonatingThreadsTokenIsTheCallersWhileTheKernelSeesTheCaller) {
  GUISE_REQUIRE_ROOT();
  std::thread([] {
    auto scope = impersonate(user(41001));
    ASSERT_TRUE(scope.ok()) << scope.status().to_string();
    EXPECT_EQ(read_proc_ids().uid[1], 41001);  // the kernel's effective uid
    HANDLE token = nullptr;
    ASSERT_TRUE(OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, FALSE, &token));
    EXPECT_EQ(token_user(token), "S-1-22-1-41001");
    EXPECT_EQ(dword_info(token, TokenType), static_cast<DWORD>(TokenImpersonation));
    EXPECT_EQ(dword_info(token, TokenImpersonationLevel), static_cast<DWORD>(SecurityImpersonation));
    const auto groups = token_groups(token);
    EXPECT_EQ(groups.front(), "S-1-22-2-41001");
    EXPECT_NE(std::find(groups.begin(), groups.end(), "S-1-22-2-42000"), groups.end());

    // The handle keeps naming the caller after the thread reverts, as on Windows.
    scope->revert();
    EXPECT_EQ(read_proc_ids().uid[1], 0);
    EXPECT_EQ(token_user(token), "S-1-22-1-41001");
    HANDLE again = nullptr;
    EXPECT_FALSE(OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, FALSE, &again));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_TOKEN));
    EXPECT_TRUE(CloseHandle(token));
  }).join();
}

TEST(Win32Token, IdentifyLevelOpensOnlyAsSelf) {
  GUISE_REQUIRE_ROOT();
  std::thread([] {
    auto scope = impersonate(user(41001, ImpersonationLevel::kIdentify));
    ASSERT_TRUE(scope.ok()) << scope.status().to_string();
    // The kernel sees the unprivileged identity; the token still names the caller.
    EXPECT_EQ(read_proc_ids().uid[1], static_cast<long>(unprivileged_identity().uid));
    HANDLE token = nullptr;
    EXPECT_FALSE(OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, FALSE, &token));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_BAD_IMPERSONATION_LEVEL));
    ASSERT_TRUE(OpenThreadToken(GetCurrentThread(), TOKEN_QUERY | TOKEN_DUPLICATE, TRUE, &token));
    EXPECT_EQ(token_user(token), "S-1-22-1-41001");
    EXPECT_EQ(dword_info(token, TokenImpersonationLevel), static_cast<DWORD>(SecurityIdentification));
    // An identify-level token duplicates down or level, never up.
    HANDLE copy = nullptr;
    EXPECT_FALSE(DuplicateToken(token, SecurityImpersonation, &copy));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_BAD_IMPERSONATION_LEVEL));
    ASSERT_TRUE(DuplicateToken(token, SecurityIdentification, &copy));
    EXPECT_EQ(token_user(copy), "S-1-22-1-41001");
    CloseHandle(copy);
    // Spec A2: AccessCheck at identify level names the caller.
    const CheckResult granted = access_check("O:SYG:SYD:(A;;0x1;;;S-1-22-1-41001)", token, kExecute);
    EXPECT_TRUE(granted.ran && granted.status);
    CloseHandle(token);
  }).join();
}

TEST(Win32Token, AnonymousTokensCannotBeOpened) {
  GUISE_REQUIRE_ROOT();
  std::thread([] {
    auto scope = impersonate(Token::anonymous());
    ASSERT_TRUE(scope.ok()) << scope.status().to_string();
    HANDLE token = nullptr;
    EXPECT_FALSE(OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_CANT_OPEN_ANONYMOUS));
  }).join();
}

TEST(Win32Token, AccessCheckGrantsAndDeniesTheImpersonatedCaller) {
  GUISE_REQUIRE_ROOT();
  std::thread([] {
    auto scope = impersonate(user(41001));
    ASSERT_TRUE(scope.ok()) << scope.status().to_string();
    HANDLE token = nullptr;
    ASSERT_TRUE(OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token));
    scope->revert();

    CheckResult r = access_check("O:SYG:SYD:(A;;0x1;;;S-1-22-1-41001)", token, kExecute);
    EXPECT_TRUE(r.ran);
    EXPECT_TRUE(r.status);
    EXPECT_EQ(r.granted, kExecute);

    r = access_check("O:SYG:SYD:(A;;0x1;;;S-1-22-1-41002)", token, kExecute);
    EXPECT_TRUE(r.ran);
    EXPECT_FALSE(r.status);
    EXPECT_EQ(r.granted, 0u);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_ACCESS_DENIED));

    // A group of the caller, and a deny ACE first.
    r = access_check("O:SYG:SYD:(A;;0x1;;;S-1-22-2-42000)", token, kExecute);
    EXPECT_TRUE(r.status);
    r = access_check("O:SYG:SYD:(D;;0x1;;;S-1-22-2-42000)(A;;0x1;;;S-1-22-1-41001)", token, kExecute);
    EXPECT_FALSE(r.status);

    // MAXIMUM_ALLOWED: what the DACL grants; a NULL DACL grants the mapping's GenericAll.
    r = access_check("O:SYG:SYD:(A;;0x5;;;WD)", token, MAXIMUM_ALLOWED);
    EXPECT_TRUE(r.status);
    EXPECT_EQ(r.granted, 0x5u);
    r = access_check("O:SYG:SYD:NO_ACCESS_CONTROL", token, MAXIMUM_ALLOWED);
    EXPECT_EQ(r.granted, kExecute);
    r = access_check("O:SYG:SY", token, kExecute);  // no DACL: everything
    EXPECT_TRUE(r.status);
    r = access_check("O:SYG:SYD:", token, kExecute);  // empty DACL: nothing
    EXPECT_FALSE(r.status);

    // ACCESS_SYSTEM_SECURITY is never granted by a DACL, only by a privilege guise tokens lack.
    r = access_check("O:SYG:SYD:(A;;0x01000001;;;WD)", token, ACCESS_SYSTEM_SECURITY | kExecute);
    EXPECT_TRUE(r.ran);
    EXPECT_FALSE(r.status);
    EXPECT_EQ(r.error, static_cast<DWORD>(ERROR_PRIVILEGE_NOT_HELD));
    r = access_check("O:SYG:SYD:(A;;0x01000001;;;WD)", token, MAXIMUM_ALLOWED);
    EXPECT_EQ(r.granted, kExecute);
    CloseHandle(token);
  }).join();
}

TEST(Win32Token, AccessCheckErrorsAreWindows) {
  HANDLE token = process_impersonation_token();
  LocalPtr<void> sd;
  ASSERT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorA("O:SYG:SYD:(A;;0x1;;;WD)", SDDL_REVISION_1, sd.out(),
                                                                   nullptr));
  GENERIC_MAPPING mapping = com_mapping();
  PRIVILEGE_SET privileges;
  DWORD length = sizeof privileges;
  DWORD granted = 0x1abe11ed;
  BOOL status = 0x1abe11ed;

  // Generic rights must be mapped first.
  EXPECT_FALSE(AccessCheck(sd.get(), token, GENERIC_READ, &mapping, &privileges, &length, &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_GENERIC_NOT_MAPPED));
  // NULL out-pointers, as Windows reports them.
  EXPECT_FALSE(AccessCheck(sd.get(), token, kExecute, &mapping, nullptr, nullptr, &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOACCESS));
  length = 1;
  EXPECT_FALSE(AccessCheck(sd.get(), token, kExecute, &mapping, nullptr, &length, &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOACCESS));
  // Too small a privilege buffer: the size it needs, outputs untouched.
  length = sizeof(PRIVILEGE_SET) - 1;
  EXPECT_FALSE(AccessCheck(sd.get(), token, kExecute, &mapping, &privileges, &length, &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
  EXPECT_EQ(length, sizeof(PRIVILEGE_SET));
  EXPECT_EQ(granted, 0x1abe11edu);
  EXPECT_EQ(status, 0x1abe11ed);
  length = 0;
  EXPECT_FALSE(AccessCheck(sd.get(), token, kExecute, &mapping, nullptr, &length, &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));

  // A descriptor without owner or group.
  LocalPtr<void> ownerless;
  ASSERT_TRUE(ConvertStringSecurityDescriptorToSecurityDescriptorA("D:(A;;0x1;;;WD)", SDDL_REVISION_1, ownerless.out(),
                                                                   nullptr));
  length = sizeof privileges;
  EXPECT_FALSE(AccessCheck(ownerless.get(), token, kExecute, &mapping, &privileges, &length, &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_SECURITY_DESCR));

  // A primary token, an anonymous-level token.
  HANDLE primary = nullptr;
  ASSERT_TRUE(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY | TOKEN_DUPLICATE, &primary));
  EXPECT_FALSE(AccessCheck(sd.get(), primary, kExecute, &mapping, &privileges, &length, &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NO_IMPERSONATION_TOKEN));
  HANDLE anonymous = nullptr;
  ASSERT_TRUE(DuplicateToken(primary, SecurityAnonymous, &anonymous));
  EXPECT_EQ(dword_info(anonymous, TokenImpersonationLevel), static_cast<DWORD>(SecurityAnonymous));
  EXPECT_FALSE(AccessCheck(sd.get(), anonymous, MAXIMUM_ALLOWED, &mapping, &privileges, &length, &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_BAD_IMPERSONATION_LEVEL));
  // DuplicateToken's result has TOKEN_IMPERSONATE | TOKEN_QUERY only: it cannot be duplicated again.
  HANDLE again = nullptr;
  HANDLE identify = process_impersonation_token(SecurityIdentification);
  EXPECT_FALSE(DuplicateToken(identify, SecurityIdentification, &again));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_ACCESS_DENIED));
  EXPECT_FALSE(AccessCheck(sd.get(), reinterpret_cast<HANDLE>(4000000), kExecute, &mapping, &privileges, &length,
                           &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));

  // The process's own impersonation token (root: Local System and Administrators) passes.
  EXPECT_TRUE(AccessCheck(sd.get(), token, kExecute, &mapping, &privileges, &length, &granted, &status));
  EXPECT_TRUE(status);
  for (HANDLE h : {token, primary, anonymous, identify}) EXPECT_TRUE(CloseHandle(h));
}

TEST(Win32Token, AccessCheckRefusesADaclItCannotEvaluate) {
  HANDLE token = process_impersonation_token();
  // Owner and group SY; DACL: one ACCESS_ALLOWED_OBJECT_ACE granting Everyone (structurally valid).
  const auto bytes = testing::from_hex(
      "01 00 04 80 | 34 00 00 00 | 40 00 00 00 | 00 00 00 00 | 14 00 00 00 "
      "04 00 20 00 01 00 00 00 05 00 18 00 01 00 00 00 00 00 00 00 01 01 00 00 00 00 00 01 00 00 00 00 "
      "01 01 00 00 00 00 00 05 12 00 00 00 "
      "01 01 00 00 00 00 00 05 12 00 00 00");
  ASSERT_TRUE(IsValidSecurityDescriptor(const_cast<std::uint8_t*>(bytes.data())));
  GENERIC_MAPPING mapping = com_mapping();
  PRIVILEGE_SET privileges;
  DWORD length = sizeof privileges, granted = 0;
  BOOL status = FALSE;
  EXPECT_FALSE(AccessCheck(const_cast<std::uint8_t*>(bytes.data()), token, kExecute, &mapping, &privileges, &length,
                           &granted, &status));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOT_SUPPORTED));
  CloseHandle(token);
}

TEST(Win32Token, DuplicatedTokenHasTheRequestedLevel) {
  HANDLE token = process_impersonation_token(SecurityIdentification);
  EXPECT_EQ(dword_info(token, TokenType), static_cast<DWORD>(TokenImpersonation));
  EXPECT_EQ(dword_info(token, TokenImpersonationLevel), static_cast<DWORD>(SecurityIdentification));
  EXPECT_EQ(token_user(token), "S-1-22-1-" + std::to_string(::geteuid()));
  CloseHandle(token);
}

}  // namespace
}  // namespace guise::identity::win32
