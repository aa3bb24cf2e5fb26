// An STA thread that waits while impersonating serves an incoming call at the process identity and gets
// its impersonation back afterwards — proved by what the kernel reports (/proc) and allows (open()).
#include <gtest/gtest.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "com/apartment.h"
#include "com/modal_wait.h"
#include "com_test_support.h"
#include "identity/impersonation.h"
#include "identity/thread_ground.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::com {
namespace {

using guise::testing::PrivateFiles;
using guise::testing::read_proc_ids;
using guise::testing::try_open;
using testing::kBoundMs;
using testing::Pipe;

constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;

identity::Token user(uid_t uid) {
  return identity::Token::for_ids(uid, uid, {uid}, identity::ImpersonationLevel::kImpersonate);
}

TEST(StaIdentity, ACallServedDuringAWaitStartsAsTheProcessAndRestoresTheImpersonation) {
  GUISE_REQUIRE_ROOT();
  PrivateFiles files;
  const std::string alice_file = files.add("alice", kAlice, kAlice, 0600);
  const std::string root_file = files.add("root", 0, 0, 0600);

  std::promise<std::shared_ptr<Apartment>> ready;
  Pipe reply;
  std::vector<long> euid_in_call, euid_in_nested_impersonation, euid_after_call, euid_during_wait_before;
  int alice_open_after = -1, root_open_after = -1, root_open_in_call = -1;
  bool waited = false;
  std::thread sta_owner = testing::sta_thread(ready, [&] {
    auto as_alice = identity::impersonate(user(kAlice));
    ASSERT_TRUE(as_alice.ok()) << as_alice.status().to_string();
    euid_during_wait_before = read_proc_ids().uid;
    // Waits as alice (for an outgoing call's reply, say); the call below is served meanwhile.
    waited = modal_wait(std::vector<int>{reply.read_fd()}, deadline_after_ms(kBoundMs)).ok();
    euid_after_call = read_proc_ids().uid;
    alice_open_after = try_open(alice_file);
    root_open_after = try_open(root_file);
  });
  auto sta = ready.get_future().get();
  ASSERT_NE(sta, nullptr);
  ASSERT_TRUE(sta->post([&] {
                   // What the dispatcher wraps every incoming call in (DESIGN decision 5).
                   identity::ProcessIdentityScope call_scope;
                   euid_in_call = read_proc_ids().uid;
                   root_open_in_call = try_open(root_file);
                   // The object impersonates its own caller and does not revert: the scope's end does.
                   auto as_bob = identity::impersonate(user(kBob));
                   if (as_bob.ok()) euid_in_nested_impersonation = read_proc_ids().uid;
                   reply.signal();
                 }).ok());
  sta_owner.join();
  ASSERT_TRUE(waited);
  ASSERT_EQ(euid_during_wait_before.size(), 4u);
  EXPECT_EQ(euid_during_wait_before[1], long{kAlice}) << "the waiting thread impersonates alice";
  ASSERT_EQ(euid_in_call.size(), 4u);
  EXPECT_EQ(euid_in_call[1], 0L) << "the incoming call starts at the process identity, not alice's";
  EXPECT_EQ(root_open_in_call, 0);
  ASSERT_EQ(euid_in_nested_impersonation.size(), 4u);
  EXPECT_EQ(euid_in_nested_impersonation[1], long{kBob});
  ASSERT_EQ(euid_after_call.size(), 4u);
  EXPECT_EQ(euid_after_call[1], long{kAlice}) << "after the call the waiting thread is alice again";
  EXPECT_EQ(euid_after_call[3], long{kAlice}) << "and the filesystem id";
  EXPECT_EQ(euid_after_call[0], 0L) << "the real id stays the process's (spec v2 §4 L1)";
  EXPECT_EQ(alice_open_after, 0);
  EXPECT_EQ(root_open_after, EACCES) << "the kernel sees alice again";
}

// Calls served in one wait start from one read of the thread's ids (the wait's ThreadGroundScope) and
// each still starts and ends at the process identity: a call that leaves an impersonation behind does
// not leak it into the next call nor into the thread after the wait — as the kernel shows.
TEST(StaIdentity, CallsServedInOneWaitEachStartAsTheProcessAndTheThreadEndsAsTheProcess) {
  GUISE_REQUIRE_ROOT();
  PrivateFiles files;
  const std::string root_file = files.add("root", 0, 0, 0600);
  Pipe done;
  std::vector<long> euid_in_first, euid_in_second, euid_after_wait;
  int root_open_in_second = -1, root_open_after = -1;
  bool waited = false;
  std::promise<std::shared_ptr<Apartment>> ready;
  std::thread sta_owner = testing::sta_thread(ready, [&] {
    auto sta = current_apartment()->shared();
    std::optional<identity::ImpersonationScope> forgotten;  // ends with this thread's work, on this thread
    auto call = [](std::function<void()> body) {
      return [body = std::move(body)] {
        identity::ProcessIdentityScope call_scope(identity::kCallScope);  // what sta_dispatch wraps a call in
        body();
      };
    };
    ASSERT_TRUE(sta->post(call([&] {
                     euid_in_first = read_proc_ids().uid;
                     auto as_bob = identity::impersonate(user(kBob));
                     ASSERT_TRUE(as_bob.ok());
                     forgotten.emplace(std::move(*as_bob));  // never reverted by the method
                   })).ok());
    ASSERT_TRUE(sta->post(call([&] {
                     euid_in_second = read_proc_ids().uid;
                     root_open_in_second = try_open(root_file);
                     done.signal();
                   })).ok());
    waited = modal_wait(std::vector<int>{done.read_fd()}, deadline_after_ms(kBoundMs)).ok();
    euid_after_wait = read_proc_ids().uid;
    root_open_after = try_open(root_file);
  });
  ASSERT_NE(ready.get_future().get(), nullptr);
  sta_owner.join();
  ASSERT_TRUE(waited);
  ASSERT_EQ(euid_in_first.size(), 4u);
  EXPECT_EQ(euid_in_first[1], 0L);
  ASSERT_EQ(euid_in_second.size(), 4u);
  EXPECT_EQ(euid_in_second[1], 0L) << "the first call's impersonation ended with it";
  EXPECT_EQ(root_open_in_second, 0);
  ASSERT_EQ(euid_after_wait.size(), 4u);
  EXPECT_EQ(euid_after_wait[1], 0L);
  EXPECT_EQ(root_open_after, 0);
}

// The ground a wait holds does not spare a call its read-back at the end: an STA thread changed behind
// the runtime's back between two calls of one wait (here by work run in the wait; a signal handler
// could do the same) aborts when the next call ends, before that call's reply could leave.
TEST(StaIdentityDeathTest, R24_StaThreadSwitchedBetweenTwoCallsOfOneWaitAbortsWhenTheNextCallEnds) {
  GUISE_REQUIRE_ROOT();
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        std::thread([] {
          if (CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED) != S_OK) std::abort();
          auto sta = current_apartment()->shared();
          Pipe done;
          auto call = [](std::function<void()> body) {
            return [body = std::move(body)] {
              identity::ProcessIdentityScope call_scope(identity::kCallScope);
              body();
            };
          };
          if (!sta->post(call([] {})).ok()) std::abort();
          if (!sta->post([] { ::syscall(SYS_setresuid, -1, kBob, -1); }).ok()) std::abort();
          if (!sta->post(call([] { std::fputs("the next call ran; ", stderr); })).ok()) std::abort();
          if (!sta->post([&done] { done.signal(); }).ok()) std::abort();
          (void)modal_wait(std::vector<int>{done.read_fd()}, deadline_after_ms(kBoundMs));
          std::fputs("the wait returned", stderr);
        }).join();
      },
      "the next call ran; .*is not what it must be after revert");
}

}  // namespace
}  // namespace guise::com
