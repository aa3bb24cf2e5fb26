#include <gtest/gtest.h>

#include "identity/sddl.h"

namespace guise::identity {
namespace {

TEST(Sddl, ParsesComSecurityDescriptor) {
  auto sd = parse_sddl("O:SYG:SYD:(A;;0x3;;;WD)");
  ASSERT_TRUE(sd.ok()) << sd.status().to_string();
  EXPECT_EQ(sd->owner, well_known::kLocalSystem());
  EXPECT_EQ(sd->group, well_known::kLocalSystem());
  ASSERT_TRUE(sd->dacl.has_value());
  ASSERT_EQ(sd->dacl->size(), 1u);
  EXPECT_EQ((*sd->dacl)[0].type, AceType::kAccessAllowed);
  EXPECT_EQ((*sd->dacl)[0].mask, 0x3u);
  EXPECT_EQ((*sd->dacl)[0].sid, well_known::kEveryone());
  EXPECT_FALSE(sd->sacl.has_value());
}

TEST(Sddl, ParsesRightStringsFlagsAndExplicitSids) {
  auto sd = parse_sddl("O:BAG:BUD:PAI(D;OICI;FA;;;S-1-22-1-41001)(A;IO;GRGX;;;AU)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)");
  ASSERT_TRUE(sd.ok()) << sd.status().to_string();
  EXPECT_EQ(sd->dacl_flags, kDaclProtected | kDaclAutoInherited);
  const auto& aces = *sd->dacl;
  ASSERT_EQ(aces.size(), 3u);
  EXPECT_EQ(aces[0].type, AceType::kAccessDenied);
  EXPECT_EQ(aces[0].flags, kObjectInheritAce | kContainerInheritAce);
  EXPECT_EQ(aces[0].mask, 0x001F01FFu);
  EXPECT_EQ(aces[0].sid, Sid::unix_user(41001));
  EXPECT_EQ(aces[1].flags, kInheritOnlyAce);
  EXPECT_EQ(aces[1].mask, kGenericRead | kGenericExecute);
  EXPECT_EQ(aces[2].mask, 0x000F01FFu);
}

TEST(Sddl, NoDaclAndNoAccessControlAreNullDaclAndEmptyDaclIsPresent) {
  EXPECT_FALSE(parse_sddl("O:SYG:SY")->dacl.has_value());
  EXPECT_FALSE(parse_sddl("O:SYG:SYD:NO_ACCESS_CONTROL")->dacl.has_value());
  auto empty = parse_sddl("O:SYG:SYD:");
  ASSERT_TRUE(empty->dacl.has_value());
  EXPECT_TRUE(empty->dacl->empty());
}

TEST(Sddl, RoundTripsThroughCanonicalForm) {
  for (const char* text : {"O:SYG:SYD:(A;;0x3;;;WD)", "O:BAG:BUD:P(D;OICI;0x1f01ff;;;S-1-22-1-41001)(A;;0x7;;;AN)",
                           "D:", "O:S-1-22-1-41001G:S-1-22-2-41001D:(A;;0x1;;;OW)(A;ID;0x10000000;;;CO)",
                           "O:SYD:NO_ACCESS_CONTROLS:(AU;SAFA;0x1;;;WD)", "G:BAD:AR(A;NP;0x80000000;;;NS)"}) {
    auto parsed = parse_sddl(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().to_string();
    const std::string formatted = format_sddl(*parsed);
    auto again = parse_sddl(formatted);
    ASSERT_TRUE(again.ok()) << formatted << ": " << again.status().to_string();
    EXPECT_EQ(*again, *parsed) << text << " -> " << formatted;
  }
  EXPECT_EQ(format_sddl(*parse_sddl("O:SYG:SYD:(A;;CCDC;;;S-1-1-0)")), "O:SYG:SYD:(A;;0x3;;;WD)");
}

struct BadSddl {
  const char* text;
  const char* message;
};

TEST(Sddl, ErrorsNamePositionAndReason) {
  const BadSddl cases[] = {
      {"", "position 0: empty security descriptor"},
      {"X:SY", "position 0: unknown component 'X:'"},
      {"O:XYG:SY", "position 2: unknown SID alias 'XY'"},
      {"O:S-1-5G:SY", "position 2: malformed SID 'S-1-5'"},
      {"O:SYO:SY", "position 4: owner given twice"},
      {"D:(A;;0x3;;;WD", "position 2: ACE without closing ')'"},
      {"D:(A;;0x3;;WD)", "position 2: ACE has 5 fields, expected 6"},
      {"D:(Z;;0x3;;;WD)", "position 3: unsupported ACE type 'Z' in a DACL"},
      {"D:(OA;;0x3;;;WD)", "position 3: unsupported ACE type 'OA' in a DACL"},
      {"D:(A;XX;0x3;;;WD)", "position 5: unknown ACE flag 'XX'"},
      {"D:(A;;0xZZ;;;WD)", "position 6: malformed access mask '0xZZ'"},
      {"D:(A;;QQ;;;WD)", "position 6: unknown right 'QQ'"},
      {"D:(A;;0x1;a;;WD)", "position 10: object ACEs (object GUIDs) are not supported"},
      {"D:(A;;0x1;;;WD;(x))", "too many ACE fields"},
      {"D:(A;;0x1;;;WD)junk", "expected '(' to start an ACE"},
      {"D:Q(A;;0x1;;;WD)", "position 2: unknown ACL flag"},
      {"D:NO_ACCESS_CONTROL(A;;0x1;;;WD)", "NO_ACCESS_CONTROL with ACEs"},
      {"S:(A;;0x1;;;WD)", "unsupported ACE type 'A' in a SACL"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_sddl(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidInput);
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << c.text << " gave: " << parsed.status().message();
  }
}

TEST(Sddl, ParsesSidsAndAliasesAlone) {
  EXPECT_EQ(parse_sddl_sid("AN").value(), well_known::kAnonymous());
  EXPECT_EQ(parse_sddl_sid("S-1-22-1-7").value(), Sid::unix_user(7));
  EXPECT_FALSE(parse_sddl_sid("ZZ").ok());
}

}  // namespace
}  // namespace guise::identity
