// Reverting another thread by signal (thread_revert.h, spec R22), proven by what the kernel reports
// of that thread in /proc and by what it may open afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "guise/scope_guard.h"
#include "identity/impersonation.h"
#include "identity/thread_revert.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::identity {
namespace {

using testing::PrivateFiles;
using testing::ProcIds;
using testing::read_proc_ids;
using testing::try_open;

constexpr uid_t kAlice = 41001;
constexpr gid_t kSharedGroup = 42000;

std::vector<long> ids4(long r, long e, long s, long fs) { return {r, e, s, fs}; }

// A thread that arms a ticket, impersonates alice, and waits (≤ 30 s) to be let go; then reports what
// it is. Every wait is bounded and every path answers.
struct Helper {
  std::promise<std::shared_ptr<RevertTicket>> armed;
  std::promise<void> go;
  std::promise<std::string> after;  // "open=<errno> imp=<0|1> token=<0|1>"
  std::thread thread;

  void start(const std::string& root_file, bool disarm_first) {
    thread = std::thread([this, root_file, disarm_first] {
      std::shared_ptr<RevertTicket> ticket = RevertTicket::arm();
      auto scope = impersonate(Token::for_ids(kAlice, kAlice, {kAlice, kSharedGroup}, ImpersonationLevel::kImpersonate));
      if (!scope.ok()) {
        armed.set_value(nullptr);
        after.set_value("failed");
        return;
      }
      if (disarm_first) ticket->disarm();
      armed.set_value(ticket);
      go.get_future().wait_for(std::chrono::seconds(30));
      std::string report = "open=" + std::to_string(try_open(root_file));
      report += std::string(" imp=") + (is_impersonating() ? "1" : "0");
      report += std::string(" token=") + (thread_token() ? "1" : "0");
      scope->revert();  // a verified no-op after the runtime's revert
      clear_thread_revoked();
      ticket->mark_exited();
      after.set_value(report);
    });
  }
};

class ThreadRevert : public ::testing::Test {
 protected:
  void SetUp() override {
    GUISE_REQUIRE_ROOT();
    root_file_ = files_.add("root", 0, 0, 0600);
  }
  PrivateFiles files_;
  std::string root_file_;
};

TEST_F(ThreadRevert, R22_ABlockedImpersonatingThreadIsTakenBackToTheProcess) {
  Helper helper;
  helper.start(root_file_, false);
  bool released = false;
  ScopeGuard join([&] {
    if (!released) helper.go.set_value();
    helper.thread.join();
  });
  auto armed = helper.armed.get_future();
  ASSERT_EQ(armed.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  std::shared_ptr<RevertTicket> ticket = armed.get();
  ASSERT_NE(ticket, nullptr);
  const ProcIds before = read_proc_ids(ticket->tid());
  EXPECT_EQ(before.uid, ids4(0, kAlice, 0, kAlice));
  EXPECT_EQ(before.groups, (std::vector<long>{kAlice, kSharedGroup}));
  revert_thread(*ticket);
  const ProcIds now = read_proc_ids(ticket->tid());
  EXPECT_EQ(now.uid, ids4(0, 0, 0, 0));
  EXPECT_EQ(now.gid, ids4(0, 0, 0, 0));
  EXPECT_EQ(now.groups, read_proc_ids().groups) << "the helper's groups are the process's again";
  auto after = helper.after.get_future();
  helper.go.set_value();
  released = true;
  ASSERT_EQ(after.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(after.get(), "open=0 imp=0 token=0") << "once reverted, the helper is the process";
}

TEST_F(ThreadRevert, R22_ADisarmedTicketLeavesItsThreadAlone) {
  Helper helper;
  helper.start(root_file_, true);
  ScopeGuard join([&] {
    helper.go.set_value();
    helper.thread.join();
  });
  auto armed = helper.armed.get_future();
  ASSERT_EQ(armed.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  std::shared_ptr<RevertTicket> ticket = armed.get();
  ASSERT_NE(ticket, nullptr);
  revert_thread(*ticket);  // the helper reverts itself: nothing to do
  EXPECT_EQ(read_proc_ids(ticket->tid()).uid, ids4(0, kAlice, 0, kAlice));
}

TEST_F(ThreadRevert, R22_AThreadThatEndedNeedsNothing) {
  std::shared_ptr<RevertTicket> ticket;
  std::thread([&] { ticket = RevertTicket::arm(); }).join();
  ASSERT_NE(ticket, nullptr);
  revert_thread(*ticket);  // its ids ended with it; returns at once
  SUCCEED();
}

}  // namespace
}  // namespace guise::identity
