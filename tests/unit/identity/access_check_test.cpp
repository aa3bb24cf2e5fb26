#include <gtest/gtest.h>

#include "identity/access_check.h"
#include "identity/sddl.h"

namespace guise::identity {
namespace {

constexpr AccessMask kExecute = 0x1;  // COM_RIGHTS_EXECUTE
constexpr AccessMask kLocal = 0x2;    // COM_RIGHTS_EXECUTE_LOCAL
constexpr GenericMapping kComMapping{kExecute, kExecute, kExecute, kExecute | kLocal | 0x4};

Token alice() { return Token::for_ids(41001, 41001, {41001, 42000}, ImpersonationLevel::kImpersonate); }
Token bob() { return Token::for_ids(41002, 41002, {41002}, ImpersonationLevel::kImpersonate); }
Token root() { return Token::for_ids(0, 0, {0}, ImpersonationLevel::kImpersonate); }

struct Row {
  const char* name;
  const char* sddl;
  Token token;
  AccessMask desired;
  bool granted;
};

TEST(AccessCheck, FollowsWindowsSemantics) {
  const Row rows[] = {
      {"allow Everyone", "O:SYG:SYD:(A;;0x3;;;WD)", alice(), 0x3, true},
      {"allow covers only its bits", "O:SYG:SYD:(A;;0x1;;;WD)", alice(), 0x3, false},
      {"allow the user SID", "O:SYG:SYD:(A;;0x3;;;S-1-22-1-41001)", alice(), 0x3, true},
      {"another user's SID", "O:SYG:SYD:(A;;0x3;;;S-1-22-1-41001)", bob(), 0x1, false},
      {"allow through supplementary group", "O:SYG:SYD:(A;;0x3;;;S-1-22-2-42000)", alice(), 0x1, true},
      {"allow through primary group", "O:SYG:SYD:(A;;0x3;;;S-1-22-2-41002)", bob(), 0x1, true},
      {"deny before allow wins", "O:SYG:SYD:(D;;0x1;;;S-1-22-1-41001)(A;;0x3;;;WD)", alice(), 0x1, false},
      {"allow before deny wins", "O:SYG:SYD:(A;;0x3;;;WD)(D;;0x1;;;S-1-22-1-41001)", alice(), 0x1, true},
      {"deny of another bit does not matter", "O:SYG:SYD:(D;;0x2;;;WD)(A;;0x1;;;WD)", alice(), 0x1, true},
      {"deny of a wanted bit after a partial allow", "O:SYG:SYD:(A;;0x1;;;WD)(D;;0x2;;;WD)(A;;0x2;;;WD)", alice(),
       0x3, false},
      {"deny for another user is skipped", "O:SYG:SYD:(D;;0x3;;;S-1-22-1-41002)(A;;0x3;;;WD)", alice(), 0x3, true},
      {"inherit-only ACE is skipped", "O:SYG:SYD:(A;IO;0x3;;;WD)", alice(), 0x1, false},
      {"anonymous is not Everyone", "O:SYG:SYD:(A;;0x3;;;WD)", Token::anonymous(), 0x1, false},
      {"anonymous is not Authenticated Users", "O:SYG:SYD:(A;;0x3;;;AU)", Token::anonymous(), 0x1, false},
      {"anonymous matches AN", "O:SYG:SYD:(A;;0x3;;;AN)", Token::anonymous(), 0x1, true},
      {"a user is not AN", "O:SYG:SYD:(A;;0x3;;;AN)", alice(), 0x1, false},
      {"root is Local System", "O:SYG:SYD:(A;;0x3;;;SY)", root(), 0x3, true},
      {"root is Builtin Administrators", "O:SYG:SYD:(A;;0x3;;;BA)", root(), 0x3, true},
      {"a user is not Builtin Administrators", "O:SYG:SYD:(A;;0x3;;;BA)", alice(), 0x1, false},
      {"NULL DACL grants all", "O:SYG:SYD:NO_ACCESS_CONTROL", alice(), 0x3, true},
      {"no DACL grants all", "O:SYG:SY", Token::anonymous(), 0x1, true},
      {"empty DACL grants nothing", "O:SYG:SYD:", alice(), 0x1, false},
      {"empty DACL grants nothing even to root", "O:SYG:SYD:", root(), 0x1, false},
      {"owner may read control on empty DACL", "O:S-1-22-1-41001G:SYD:", alice(), kReadControl | kWriteDac, true},
      {"owner rights ACE replaces implicit rights", "O:S-1-22-1-41001G:SYD:(A;;0x1;;;OW)", alice(), kReadControl,
       false},
      {"owner rights ACE grants the owner", "O:S-1-22-1-41001G:SYD:(A;;0x1;;;OW)", alice(), 0x1, true},
      {"owner rights ACE is not for others", "O:S-1-22-1-41001G:SYD:(A;;0x1;;;OW)", bob(), 0x1, false},
      {"generic rights are mapped in the request", "O:SYG:SYD:(A;;0x7;;;WD)", alice(), kGenericAll, true},
      {"generic rights are mapped in the ACE", "O:SYG:SYD:(A;;GX;;;WD)", alice(), kExecute, true},
      {"asking for nothing is not a grant", "O:SYG:SYD:(A;;0x3;;;WD)", alice(), 0, false},
      // ACCESS_SYSTEM_SECURITY: only a privilege grants it on Windows, never a DACL.
      {"NULL DACL does not grant ACCESS_SYSTEM_SECURITY", "O:SYG:SYD:NO_ACCESS_CONTROL", alice(),
       kAccessSystemSecurity, false},
      {"no DACL does not grant ACCESS_SYSTEM_SECURITY", "O:SYG:SY", root(), kAccessSystemSecurity | kExecute, false},
      {"an allow ACE does not grant ACCESS_SYSTEM_SECURITY", "O:SYG:SYD:(A;;0x01000003;;;WD)", alice(),
       kAccessSystemSecurity, false},
      {"nor to the owner", "O:S-1-22-1-41001G:SYD:(A;;0x01000003;;;WD)", alice(),
       kAccessSystemSecurity | kReadControl, false},
      {"the ACE's other bits still count", "O:SYG:SYD:(A;;0x01000003;;;WD)", alice(), 0x3, true},
  };
  for (const Row& row : rows) {
    auto sd = parse_sddl(row.sddl);
    ASSERT_TRUE(sd.ok()) << row.name << ": " << sd.status().to_string();
    const AccessCheckResult result = access_check(row.token, *sd, row.desired, kComMapping);
    EXPECT_EQ(result.granted, row.granted) << row.name;
    if (result.granted) {
      EXPECT_EQ(result.granted_access, map_generic_mask(row.desired, kComMapping)) << row.name;
    }
  }
}

TEST(AccessCheck, AccessSystemSecurityNeedsAPrivilegeNoTokenHolds) {
  auto null_dacl = parse_sddl("O:SYG:SYD:NO_ACCESS_CONTROL");
  const AccessCheckResult asked = access_check(root(), *null_dacl, kAccessSystemSecurity, kComMapping);
  EXPECT_FALSE(asked.granted);
  EXPECT_TRUE(asked.privilege_not_held);
  // MAXIMUM_ALLOWED collects what a DACL can give: never the SACL right.
  const AccessCheckResult most = access_check(alice(), *null_dacl, kMaximumAllowed, kComMapping);
  EXPECT_TRUE(most.granted);
  EXPECT_EQ(most.granted_access & kAccessSystemSecurity, 0u);
  EXPECT_FALSE(most.privilege_not_held);
  auto allow_all = parse_sddl("O:SYG:SYD:(A;;0x01000007;;;WD)");
  const AccessCheckResult from_ace = access_check(alice(), *allow_all, kMaximumAllowed, kComMapping);
  EXPECT_TRUE(from_ace.granted);
  EXPECT_EQ(from_ace.granted_access, 0x7u);
}

TEST(AccessCheck, MaximumAllowedCollectsEveryGrantedBitNotDeniedFirst) {
  auto sd = parse_sddl("O:SYG:SYD:(D;;0x4;;;WD)(A;;0x7;;;S-1-22-1-41001)");
  const AccessCheckResult result = access_check(alice(), *sd, kMaximumAllowed, kComMapping);
  EXPECT_TRUE(result.granted);
  EXPECT_EQ(result.granted_access, 0x3u);
  EXPECT_FALSE(access_check(bob(), *sd, kMaximumAllowed, kComMapping).granted);
}

}  // namespace
}  // namespace guise::identity
