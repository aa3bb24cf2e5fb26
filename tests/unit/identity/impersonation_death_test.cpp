// A thread that is not what guise made it is never allowed to continue (DESIGN decision 5).
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

#include "identity/impersonation.h"
#include "support/root.h"

namespace guise::identity {
namespace {

Token alice() { return Token::for_ids(41001, 41001, {41001}, ImpersonationLevel::kImpersonate); }

TEST(ImpersonationDeathTest, ThreadThatCallsSetresuidBehindTheGuardAborts) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        auto scope = impersonate(alice());
        // User code takes root back through the saved uid, behind the scope's back.
        ::syscall(SYS_setresuid, -1, 0, -1);
      },
      "changed its ids behind guise's back");
}

TEST(ImpersonationDeathTest, ThreadThatDropsGroupsBehindTheGuardAborts) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        ProcessIdentityScope call;
        const gid_t other[] = {12345};
        ::syscall(SYS_setgroups, 1, other);
      },
      "changed its ids behind guise's back");
}

TEST(ImpersonationDeathTest, ScopeEndedOnAnotherThreadAborts) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        auto scope = impersonate(alice());
        std::thread other([moved = std::move(*scope)]() mutable { moved.revert(); });
        other.join();
      },
      "was ended on thread");
}

}  // namespace
}  // namespace guise::identity
