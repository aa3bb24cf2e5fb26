// Kernel-enforced impersonation, proven by what the kernel reports (/proc) and allows (open()).
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <future>
#include <grp.h>
#include <thread>

#include "guise/scope_guard.h"
#include "identity/impersonation.h"
#include "identity/thread_ground.h"
#include "support/child_process.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::identity {
namespace {

using testing::PrivateFiles;
using testing::read_cap_eff;
using testing::read_proc_ids;
using testing::try_open;

constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;
constexpr uid_t kCarol = 41003;
constexpr gid_t kSharedGroup = 42000;

Token user(uid_t uid, ImpersonationLevel level = ImpersonationLevel::kImpersonate, std::vector<gid_t> extra = {}) {
  extra.push_back(uid);
  return Token::for_ids(uid, uid, extra, level);
}

std::vector<long> ids4(long r, long e, long s, long fs) { return {r, e, s, fs}; }

class Impersonation : public ::testing::Test {
 protected:
  void SetUp() override {
    GUISE_REQUIRE_ROOT();
    alice_file_ = files_.add("alice", kAlice, kAlice, 0600);
    bob_file_ = files_.add("bob", kBob, kBob, 0600);
    root_file_ = files_.add("root", 0, 0, 0600);
    group_file_ = files_.add("group", 0, kSharedGroup, 0640);
  }
  PrivateFiles files_;
  std::string alice_file_, bob_file_, root_file_, group_file_;
};

TEST_F(Impersonation, ThreadTakesCallersIdsWhileAnotherThreadStaysRoot) {
  // Every path of the worker answers, and every wait is bounded: a failure in the worker fails the
  // test at once instead of leaving this thread waiting for a value that never comes.
  std::promise<pid_t> impersonating;  // the worker's tid, or 0 when it could not impersonate
  std::promise<void> observed;
  std::future<void> observed_future = observed.get_future();
  std::future<pid_t> worker_ready = impersonating.get_future();
  std::thread worker([&] {
    // However the worker leaves (an ASSERT returns from here), this thread gets an answer at once.
    bool answered = false;
    ScopeGuard answer_anyway([&] {
      if (!answered) impersonating.set_value(0);
    });
    auto scope = impersonate(user(kAlice));
    ASSERT_TRUE(scope.ok()) << scope.status().to_string();
    EXPECT_EQ(try_open(alice_file_), 0);        // the kernel lets alice read her file
    EXPECT_EQ(try_open(root_file_), EACCES);    // and refuses root's
    EXPECT_EQ(try_open(bob_file_), EACCES);     // and bob's
    EXPECT_EQ(read_cap_eff(), 0ull);            // no effective capabilities while impersonating
    impersonating.set_value(current_tid());
    answered = true;
    observed_future.wait_for(std::chrono::seconds(30));
  });
  ScopeGuard release_and_join([&] {
    observed.set_value();
    worker.join();
  });
  ASSERT_EQ(worker_ready.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  const pid_t worker_tid = worker_ready.get();
  ASSERT_NE(worker_tid, 0) << "the worker failed before it impersonated";
  // Meanwhile, in the same process: the worker is alice, this thread is still root.
  EXPECT_EQ(read_proc_ids(worker_tid).uid, ids4(0, kAlice, 0, kAlice));
  EXPECT_EQ(read_proc_ids(worker_tid).gid, ids4(0, kAlice, 0, kAlice));
  EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0));
  EXPECT_EQ(try_open(root_file_), 0);
  EXPECT_EQ(try_open(alice_file_), 0);
}

TEST_F(Impersonation, RevertRestoresRootAndItsCapabilities) {
  const auto caps_before = read_cap_eff();
  const auto groups_before = read_proc_ids().groups;
  {
    auto scope = impersonate(user(kAlice, ImpersonationLevel::kImpersonate, {kSharedGroup}));
    ASSERT_TRUE(scope.ok());
    EXPECT_EQ(read_proc_ids().uid, ids4(0, kAlice, 0, kAlice));
    EXPECT_EQ(read_proc_ids().groups, (std::vector<long>{kAlice, kSharedGroup}));
    EXPECT_EQ(try_open(root_file_), EACCES);
  }
  EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0));
  EXPECT_EQ(read_proc_ids().gid, ids4(0, 0, 0, 0));
  EXPECT_EQ(read_proc_ids().groups, groups_before);
  EXPECT_EQ(read_cap_eff(), caps_before);
  EXPECT_EQ(try_open(root_file_), 0);
  EXPECT_FALSE(is_impersonating());
}

TEST_F(Impersonation, SupplementaryGroupsAreTheCallers) {
  {
    auto with_group = impersonate(user(kAlice, ImpersonationLevel::kImpersonate, {kSharedGroup}));
    ASSERT_TRUE(with_group.ok());
    EXPECT_EQ(try_open(group_file_), 0);
  }
  auto without = impersonate(user(kBob));
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(try_open(group_file_), EACCES);
}

TEST_F(Impersonation, IdentifyLevelRunsAsNobodyWhileTheTokenNamesTheCaller) {
  auto scope = impersonate(user(kAlice, ImpersonationLevel::kIdentify, {kSharedGroup}));
  ASSERT_TRUE(scope.ok());
  const UnprivilegedIdentity nobody = unprivileged_identity();
  EXPECT_EQ(read_proc_ids().uid, ids4(0, nobody.uid, 0, nobody.uid));
  EXPECT_TRUE(read_proc_ids().groups.empty());
  EXPECT_EQ(try_open(alice_file_), EACCES);
  EXPECT_EQ(try_open(root_file_), EACCES);
  EXPECT_EQ(try_open(group_file_), EACCES);
  auto token = thread_token();
  ASSERT_TRUE(token.has_value());
  EXPECT_EQ(token->uid(), kAlice);
  EXPECT_EQ(token->principal_name(), "Unix User\\41001");
}

TEST_F(Impersonation, AnonymousRunsAsNobodyAndTheTokenNamesNoOne) {
  auto scope = impersonate(Token::anonymous());
  ASSERT_TRUE(scope.ok());
  const UnprivilegedIdentity nobody = unprivileged_identity();
  EXPECT_EQ(read_proc_ids().uid, ids4(0, nobody.uid, 0, nobody.uid));
  EXPECT_EQ(try_open(alice_file_), EACCES);
  EXPECT_EQ(thread_token()->principal_name(), "NT AUTHORITY\\ANONYMOUS LOGON");
}

TEST_F(Impersonation, NestedScopesRestoreEachSavedIdentity) {
  auto a = impersonate(user(kAlice));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(read_proc_ids().uid[1], kAlice);
  {
    auto b = impersonate(user(kBob));
    ASSERT_TRUE(b.ok()) << b.status().to_string();
    EXPECT_EQ(read_proc_ids().uid, ids4(0, kBob, 0, kBob));
    EXPECT_EQ(try_open(bob_file_), 0);
    EXPECT_EQ(try_open(alice_file_), EACCES);
    {
      auto c = impersonate(user(kCarol));
      ASSERT_TRUE(c.ok());
      EXPECT_EQ(read_proc_ids().uid, ids4(0, kCarol, 0, kCarol));
      EXPECT_EQ(try_open(bob_file_), EACCES);
    }
    EXPECT_EQ(read_proc_ids().uid, ids4(0, kBob, 0, kBob));
    EXPECT_EQ(thread_token()->uid(), kBob);
  }
  EXPECT_EQ(read_proc_ids().uid, ids4(0, kAlice, 0, kAlice));
  EXPECT_EQ(try_open(alice_file_), 0);
  a->revert();
  EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0));
  EXPECT_FALSE(thread_token().has_value());
}

TEST_F(Impersonation, ScopeEndedOutOfOrderEndsTheScopesInsideIt) {
  auto outer = impersonate(user(kAlice));
  ASSERT_TRUE(outer.ok());
  auto inner = impersonate(user(kBob));
  ASSERT_TRUE(inner.ok());
  outer->revert();  // as RevertToSelf: undoes every impersonation since
  EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0));
  inner->revert();  // already ended: no effect
  EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0));
}

// A ground held across calls (an STA thread's wait): each call still starts at the process identity
// and ends back there, whatever the call before it left behind, as the kernel shows.
TEST_F(Impersonation, CallsOnAThreadGroundStartAndEndAsTheProcess) {
  {
    ThreadGroundScope ground;
    ASSERT_TRUE(ground.holds());
    std::optional<ImpersonationScope> leaked;
    {
      ProcessIdentityScope first_call(kCallScope);
      auto forgotten = impersonate(user(kBob));
      ASSERT_TRUE(forgotten.ok());
      EXPECT_EQ(read_proc_ids().uid[1], kBob);
      EXPECT_EQ(try_open(bob_file_), 0);
      leaked.emplace(std::move(*forgotten));  // the method does not revert: its call's end does
    }
    EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0)) << "the call's end took the thread back to the process";
    {
      ProcessIdentityScope second_call(kCallScope);
      EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0));
      EXPECT_EQ(try_open(root_file_), 0);
      EXPECT_FALSE(is_impersonating());
    }
  }
  EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0));
  EXPECT_EQ(try_open(root_file_), 0);
}

// Opened inside an impersonation the ground holds nothing and changes nothing: the thread stays alice.
TEST_F(Impersonation, GroundOpenedWhileImpersonatingLeavesTheThreadAsItIs) {
  auto as_alice = impersonate(user(kAlice));
  ASSERT_TRUE(as_alice.ok());
  {
    ThreadGroundScope ground;
    EXPECT_FALSE(ground.holds());
    EXPECT_EQ(read_proc_ids().uid, ids4(0, kAlice, 0, kAlice));
  }
  EXPECT_EQ(read_proc_ids().uid, ids4(0, kAlice, 0, kAlice));
  EXPECT_EQ(try_open(alice_file_), 0);
  EXPECT_EQ(try_open(root_file_), EACCES);
}

TEST_F(Impersonation, ProcessScopeRunsAsTheProcessAndRestoresTheOuterImpersonation) {
  auto outer = impersonate(user(kAlice));
  ASSERT_TRUE(outer.ok());
  std::optional<ImpersonationScope> leaked;
  {
    ProcessIdentityScope call;  // a nested incoming call starts as the process (spec R28)
    EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0));
    EXPECT_FALSE(is_impersonating());
    EXPECT_EQ(try_open(root_file_), 0);
    auto forgotten = impersonate(user(kBob));
    ASSERT_TRUE(forgotten.ok());
    EXPECT_EQ(read_proc_ids().uid[1], kBob);
    // The handler "forgets" to revert: the moved-out scope outlives the call scope below.
    leaked.emplace(std::move(*forgotten));
  }
  // Back in the outer call: alice again, not bob and not root (the seed's nested-call rule).
  EXPECT_EQ(read_proc_ids().uid, ids4(0, kAlice, 0, kAlice));
  EXPECT_EQ(thread_token()->uid(), kAlice);
}

TEST_F(Impersonation, DumpableFlagComesBackAfterRevert) {
  ASSERT_EQ(::prctl(PR_SET_DUMPABLE, 1), 0);
  {
    auto scope = impersonate(user(kAlice));
    ASSERT_TRUE(scope.ok());
    // The kernel set it to fs.suid_dumpable when the euid changed.
    std::ifstream sysctl("/proc/sys/fs/suid_dumpable");
    int suid_dumpable = -1;
    sysctl >> suid_dumpable;
    EXPECT_EQ(::prctl(PR_GET_DUMPABLE), suid_dumpable);
  }
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE), 1);
}

int suid_dumpable() {
  std::ifstream sysctl("/proc/sys/fs/suid_dumpable");
  int value = -1;
  sysctl >> value;
  return value;
}

TEST_F(Impersonation, DumpableFlagIsNeverRestoredWhileAnotherThreadImpersonates) {
  // While any thread impersonates, the kernel's value (fs.suid_dumpable) must stand; the process's
  // own flag (chosen to differ from it) comes back only when the last one is back.
  const int kernel_value = suid_dumpable();
  const int original = kernel_value == 1 ? 0 : 1;
  ASSERT_EQ(::prctl(PR_SET_DUMPABLE, original), 0);
  constexpr int kThreads = 4;
  constexpr int kIterations = 300;
  std::atomic<int> restored_too_early{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        auto scope = impersonate(user(kAlice + static_cast<uid_t>(t)));
        if (!scope.ok()) {
          ++failures;
          return;
        }
        if (::prctl(PR_GET_DUMPABLE) != kernel_value) ++restored_too_early;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(restored_too_early.load(), 0);
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE), original);
}

// Inside a dispatched call the process's flag comes back only when the runtime settles it after the
// reply: until then the kernel's reset value stands (stricter), and a second call's impersonation in
// between must not mistake that reset value for the process's own.
TEST_F(Impersonation, DumpableFlagInsideACallComesBackWhenTheCallIsSettled) {
  const int kernel_value = suid_dumpable();
  const int original = kernel_value == 1 ? 0 : 1;
  ASSERT_EQ(::prctl(PR_SET_DUMPABLE, original), 0);
  for (int call = 0; call < 2; ++call) {
    ProcessIdentityScope in_call(kCallScope);
    auto scope = impersonate(user(kAlice));
    ASSERT_TRUE(scope.ok());
    scope->revert();
    EXPECT_EQ(::prctl(PR_GET_DUMPABLE), kernel_value) << "call " << call;
  }
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE), kernel_value);
  settle_dumpable_flag();
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE), original);
}

TEST_F(Impersonation, DumpableFlagTheProcessChangedBetweenCallsIsTheOneRestored) {
  for (int flag : {1, 0, 1}) {
    ASSERT_EQ(::prctl(PR_SET_DUMPABLE, flag), 0);
    {
      auto scope = impersonate(user(kAlice));
      ASSERT_TRUE(scope.ok());
    }
    EXPECT_EQ(::prctl(PR_GET_DUMPABLE), flag);
  }
}

TEST_F(Impersonation, ThreadThatEndsWhileImpersonatingGivesBackTheDumpableFlag) {
  ASSERT_EQ(::prctl(PR_SET_DUMPABLE, 1), 0);
  std::thread worker([] {
    auto scope = impersonate(user(kAlice));
    ASSERT_TRUE(scope.ok());
    // Never reverted: kept alive past the thread's end on purpose.
    static auto* kept = new std::vector<ImpersonationScope>();
    kept->push_back(std::move(*scope));
  });
  worker.join();
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE), 1);
  EXPECT_EQ(read_proc_ids().uid, ids4(0, 0, 0, 0));
}

TEST_F(Impersonation, ForkedChildOfAnImpersonatingThreadCannotRegainRoot) {
  auto scope = impersonate(user(kAlice, ImpersonationLevel::kImpersonate, {kSharedGroup}));
  ASSERT_TRUE(scope.ok());
  auto child = testing::run_in_child([] {
    const auto ids = read_proc_ids(static_cast<pid_t>(::syscall(SYS_gettid)));
    testing::report(ids.uid_line + "\n");
    // All four of each: a child that kept root as its real or saved uid or gid could take it back.
    if (ids.uid != ids4(kAlice, kAlice, kAlice, kAlice)) return 2;
    if (ids.gid != ids4(kAlice, kAlice, kAlice, kAlice)) return 3;
    if (ids.groups != std::vector<long>{kAlice, kSharedGroup}) return 4;
    if (::syscall(SYS_setresgid, 0, 0, 0) == 0) return 5;
    if (::syscall(SYS_setresuid, 0, 0, 0) == 0) return 6;
    if (testing::read_capabilities("CapPrm") != 0 || testing::read_capabilities("CapEff") != 0) return 7;
    return 0;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
  EXPECT_EQ(read_proc_ids().uid, ids4(0, kAlice, 0, kAlice));  // the parent is unaffected
  EXPECT_EQ(read_proc_ids().gid, ids4(0, kAlice, 0, kAlice));
}

TEST_F(Impersonation, ProcessTokenHasTheGroupsTheThreadHasNotNss) {
  auto child = testing::run_in_child([] {
    // Groups NSS does not list for root (as a service manager's SupplementaryGroups= would give).
    const std::vector<gid_t> mine = {42100, 42101};
    if (::setgroups(mine.size(), mine.data()) != 0) return 10;  // this child is single-threaded
    const Token before = Token::process();
    if (before.uid() != 0 || before.gid() != 0 || before.groups() != mine) return 11;
    auto scope = impersonate(user(kAlice, ImpersonationLevel::kImpersonate, {kSharedGroup}));
    if (!scope.ok()) return 12;
    const Token during = Token::process();  // the process's, not the caller's, not NSS's
    testing::report("during: uid " + std::to_string(during.uid()) + " groups " +
                    std::to_string(during.groups().size()) + "\n");
    if (during.uid() != 0 || during.gid() != 0 || during.groups() != mine) return 13;
    if (effective_token().uid() != kAlice) return 14;
    return 0;
  });
  EXPECT_EQ(child.exit_code, 0) << child.output;
}

TEST_F(Impersonation, ManyThreadsEachSeeOnlyTheirOwnCaller) {
  constexpr int kThreads = 4;
  constexpr int kIterations = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const uid_t uid = kAlice + static_cast<uid_t>(t);
      for (int i = 0; i < kIterations; ++i) {
        auto scope = impersonate(user(uid));
        if (!scope.ok() || read_proc_ids().uid != ids4(0, uid, 0, uid)) ++failures;
        scope->revert();
        if (read_proc_ids().uid != ids4(0, 0, 0, 0)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace guise::identity
