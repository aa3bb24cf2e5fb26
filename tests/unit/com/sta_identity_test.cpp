// An STA thread that waits while impersonating serves an incoming call at the process identity and gets
// its impersonation back afterwards — proved by what the kernel reports (/proc) and allows (open()).
#include <gtest/gtest.h>

#include <cerrno>
#include <thread>

#include "com/apartment.h"
#include "com/modal_wait.h"
#include "com_test_support.h"
#include "identity/impersonation.h"
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

}  // namespace
}  // namespace guise::com
