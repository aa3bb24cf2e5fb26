// A thread that is not what guise made it is never allowed to continue (DESIGN decision 5).
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "identity/impersonation.h"
#include "identity/thread_ground.h"
#include "support/root.h"

namespace guise::identity {
namespace {

Token alice() { return Token::for_ids(41001, 41001, {41001}, ImpersonationLevel::kImpersonate); }

TEST(ImpersonationDeathTest, HandlerThatCallsSetresuidItselfAndReturnsAborts) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        ProcessIdentityScope call;
        // The method switches the thread to bob by itself, behind the guard, and returns.
        ::syscall(SYS_setresuid, 41002, 41002, -1);
      },
      "is not what it must be after revert");
}

TEST(ImpersonationDeathTest, ThreadThatGivesUpItsRealAndSavedUidWhileImpersonatingAborts) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        auto scope = impersonate(alice());
        // setresuid behind the guard: real and saved uid (root) are replaced, so revert cannot go back.
        ::syscall(SYS_setresuid, 41001, -1, 41001);
      },
      "cannot return to uid 0");
}

TEST(ImpersonationDeathTest, ThreadThatGivesUpOnlyItsSavedUidWhileImpersonatingAborts) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        auto scope = impersonate(alice());
        // The real uid still lets revert go back to root, but the thread is not what it was.
        ::syscall(SYS_setresuid, -1, -1, 41001);
      },
      "is not what it must be after revert");
}

TEST(ImpersonationDeathTest, ThreadThatSwitchesBackToRootBehindTheGuardAndLeavesAnotherUidAborts) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        auto scope = impersonate(alice());
        ::syscall(SYS_setresuid, -1, 0, -1);          // root again, behind the guard
        ::syscall(SYS_setresgid, 41002, 41002, 41002);  // and a gid guise never set, saved gid included
      },
      "is not what it must be after revert");
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
      "is not what it must be after revert");
}

// Inside a dispatched call a revert is not read back by itself: the call's scope reads the thread
// back when the call ends, before any reply could leave (spec R24), and aborts there.
TEST(ImpersonationDeathTest, InsideACallARevertIsReadBackWhenTheCallEnds) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        ProcessIdentityScope call(kCallScope);
        {
          auto scope = impersonate(alice());
          ::syscall(SYS_setresuid, -1, -1, 41001);  // the saved uid, behind the guard
        }
        std::fputs("the method went on after its revert; ", stderr);
      },
      "the method went on after its revert; .*is not what it must be after revert");
}

// A thread's ground held across several calls (an STA thread's wait, ThreadGroundScope) spares each
// call the read of the thread's ids going in, not the read-back going out: a thread switched behind
// the guard between two calls aborts when the second call ends, before its reply could leave.
TEST(ImpersonationDeathTest, R24_ThreadSwitchedBetweenTwoCallsOnItsGroundAbortsWhenTheNextCallEnds) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        ThreadGroundScope ground;
        if (!ground.holds()) std::abort();
        { ProcessIdentityScope first_call(kCallScope); }
        ::syscall(SYS_setresuid, -1, 41002, -1);  // between the calls, behind the guard (a signal handler, say)
        {
          ProcessIdentityScope second_call(kCallScope);
          std::fputs("the second call ran; ", stderr);
        }
        std::fputs("its reply left", stderr);
      },
      "the second call ran; .*is not what it must be after revert");
}

// A call handed to another thread ends without a read-back of its own only when nothing opened or
// switched on this thread in its scope; once something did, the runtime's word is not taken.
TEST(ImpersonationDeathTest, R24_HandedOffCallThatSwitchedOnItsThreadIsStillReadBack) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        ProcessIdentityScope call(kCallScope);
        { auto as_alice = impersonate(alice()); }  // something switched in this call's scope
        ::syscall(SYS_setresuid, -1, 41002, -1);  // and the thread was changed behind the guard
        call_handed_off();
      },
      "is not what it must be after revert");
}

TEST(ImpersonationDeathTest, R24_HandOffIsNotTakenOutsideACallScope) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        ProcessIdentityScope not_a_call;
        ::syscall(SYS_setresuid, -1, 41002, -1);
        call_handed_off();
      },
      "is not what it must be after revert");
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
