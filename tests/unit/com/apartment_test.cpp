// Apartments: CoInitializeEx's rules, CoUninitialize's count, STAs and the MTA, posting work, the
// queue-level reentrancy of an STA that waits. Real threads; every wait bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "com/apartment.h"
#include "com/modal_wait.h"
#include "com_test_support.h"
#include "guise/windows.h"

namespace guise::com {
namespace {

using testing::EventHandle;
using testing::kBoundMs;
using testing::Pipe;
using testing::sta_thread;

WaitDeadline bound() { return deadline_after_ms(kBoundMs); }

// Runs `body` on a fresh thread, so the test's own thread never joins an apartment.
void on_new_thread(const std::function<void()>& body) { std::thread(body).join(); }

TEST(CoInitializeEx, FirstCallJoinsRepeatsReturnSFalseAndTheOtherModeIsRefused) {
  on_new_thread([] {
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED), S_OK);
    Apartment* sta = current_apartment();
    ASSERT_NE(sta, nullptr);
    EXPECT_EQ(sta->kind(), ApartmentKind::kSta);
    EXPECT_EQ(sta->owner_thread(), GetCurrentThreadId());
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE), S_FALSE);
    EXPECT_EQ(CoInitialize(nullptr), S_FALSE) << "CoInitialize is CoInitializeEx(COINIT_APARTMENTTHREADED)";
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), RPC_E_CHANGED_MODE);
    EXPECT_EQ(current_apartment(), sta) << "a refused change of mode changes nothing";
    CoUninitialize();
    CoUninitialize();
    EXPECT_EQ(current_apartment(), sta) << "three successful inits need three uninits";
    CoUninitialize();
    EXPECT_EQ(current_apartment(), nullptr);
  });
  on_new_thread([] {
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    EXPECT_EQ(current_apartment()->kind(), ApartmentKind::kMta);
    EXPECT_EQ(current_apartment()->owner_thread(), 0u);
    EXPECT_EQ(CoInitialize(nullptr), RPC_E_CHANGED_MODE);
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED | COINIT_SPEED_OVER_MEMORY), S_FALSE);
    CoUninitialize();
    CoUninitialize();
    EXPECT_EQ(current_apartment(), nullptr);
  });
}

TEST(CoInitializeEx, RefusesAReservedPointerAndUnknownFlags) {
  on_new_thread([] {
    int reserved = 0;
    EXPECT_EQ(CoInitializeEx(&reserved, COINIT_MULTITHREADED), E_INVALIDARG);
    EXPECT_EQ(CoInitialize(&reserved), E_INVALIDARG);
    EXPECT_EQ(CoInitializeEx(nullptr, 0x100), E_INVALIDARG);
    EXPECT_EQ(current_apartment(), nullptr);
    CoUninitialize();  // harmless without a successful init
    EXPECT_EQ(current_apartment(), nullptr);
  });
}

TEST(CoUninitialize, TheApartmentLivesUntilTheLastUninitThenRefusesWork) {
  on_new_thread([] {
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    ASSERT_EQ(CoInitialize(nullptr), S_FALSE);
    std::shared_ptr<Apartment> sta = current_apartment()->shared();
    const std::uint64_t first_id = sta->id();
    CoUninitialize();
    EXPECT_TRUE(sta->post([] {}).ok()) << "one init is still outstanding";
    EXPECT_EQ(run_posted_work(), 1u);
    CoUninitialize();
    EXPECT_TRUE(sta->closed());
    Status refused = sta->post([] {});
    EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
    EXPECT_EQ(refused.hresult(), RPC_E_DISCONNECTED);
    CoUninitialize();  // one too many: ignored
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    EXPECT_NE(current_apartment()->id(), first_id) << "a new apartment never reuses an id";
    CoUninitialize();
  });
}

TEST(CoUninitialize, OutsideComCallsAnswerNotInitialized) {
  on_new_thread([] {
    auto none = require_apartment();
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.status().hresult(), CO_E_NOTINITIALIZED);
    ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    EXPECT_TRUE(require_apartment().ok());
    CoUninitialize();
    EXPECT_EQ(require_apartment().status().hresult(), CO_E_NOTINITIALIZED);
  });
}

TEST(Apartments, EverySTAIsItsOwnAndMTAThreadsShareOneUntilTheLastLeaves) {
  std::promise<std::shared_ptr<Apartment>> a_ready, b_ready;
  EventHandle done(true, false);
  std::thread a = sta_thread(a_ready, [&] { WaitForSingleObject(done.get(), kBoundMs); });
  std::thread b = sta_thread(b_ready, [&] { WaitForSingleObject(done.get(), kBoundMs); });
  auto sta_a = a_ready.get_future().get();
  auto sta_b = b_ready.get_future().get();
  ASSERT_TRUE(sta_a && sta_b);
  EXPECT_NE(sta_a->id(), sta_b->id());
  EXPECT_NE(sta_a->owner_thread(), sta_b->owner_thread());
  SetEvent(done.get());
  a.join();
  b.join();

  std::uint64_t mta_id_1 = 0, mta_id_2 = 0;
  EventHandle both_in(true, false);
  std::atomic<int> in{0};
  auto mta_member = [&](std::uint64_t* id) {
    ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    *id = current_apartment()->id();
    if (in.fetch_add(1) + 1 == 2) SetEvent(both_in.get());
    WaitForSingleObject(both_in.get(), kBoundMs);  // both are members at once
    CoUninitialize();
  };
  std::thread m1(mta_member, &mta_id_1);
  std::thread m2(mta_member, &mta_id_2);
  m1.join();
  m2.join();
  EXPECT_EQ(mta_id_1, mta_id_2);
  EXPECT_EQ(current_mta(), nullptr) << "the MTA closes when its last member leaves";
  on_new_thread([&] {
    ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    EXPECT_NE(current_apartment()->id(), mta_id_1) << "a new MTA, with a new id";
    CoUninitialize();
  });
}

TEST(Apartments, AThreadThatEndsInsideComLeavesItsApartment) {
  std::promise<std::shared_ptr<Apartment>> ready;
  std::thread t([&] {
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    ready.set_value(current_apartment()->shared());
    // no CoUninitialize
  });
  auto sta = ready.get_future().get();
  t.join();
  ASSERT_NE(sta, nullptr);
  EXPECT_TRUE(sta->closed());
  EXPECT_EQ(sta->post([] {}).hresult(), RPC_E_DISCONNECTED);
}

TEST(StaQueue, PostedWorkRunsOnTheOwningThreadWhileItWaitsInCoWait) {
  std::promise<std::shared_ptr<Apartment>> ready;
  EventHandle done(false, false);
  HRESULT waited = E_FAIL;
  DWORD index = 99;
  std::thread sta_owner = sta_thread(ready, [&] {
    HANDLE h = done.get();
    waited = CoWaitForMultipleHandles(0, kBoundMs, 1, &h, &index);
  });
  auto sta = ready.get_future().get();
  ASSERT_NE(sta, nullptr);
  DWORD ran_on = 0;
  ASSERT_TRUE(sta->post([&] {
                   ran_on = GetCurrentThreadId();
                   SetEvent(done.get());
                 }).ok());
  sta_owner.join();
  EXPECT_EQ(waited, S_OK);
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(ran_on, sta->owner_thread()) << "an STA's work runs on its own thread, never the poster's";
  EXPECT_NE(ran_on, GetCurrentThreadId());
}

TEST(StaQueue, PostingNeverRunsTheWorkInsideThePost) {
  on_new_thread([] {
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    bool ran = false;
    ASSERT_TRUE(current_apartment()->post([&] { ran = true; }).ok());
    EXPECT_FALSE(ran);
    EXPECT_EQ(run_posted_work(), 1u);
    EXPECT_TRUE(ran);
    EXPECT_EQ(run_posted_work(), 0u);
    CoUninitialize();
  });
}

// The queue-level shape of STA reentrancy: the thread waits (as for an outgoing call's reply); a call
// arrives and runs; that call waits in turn (its own outgoing call) and a nested call arrives and runs
// inside it; the inner wait ends first, then the outer one.
TEST(StaQueue, AWaitingThreadServesCallsAndNestedWaitsServeNestedCalls) {
  std::promise<std::shared_ptr<Apartment>> ready;
  Pipe outer_reply, inner_reply;
  std::vector<std::string> order;
  std::vector<DWORD> threads;
  int depth = 0;
  Result<std::size_t> outer = internal_error("not run");
  std::thread sta_owner = sta_thread(ready, [&] { outer = modal_wait(std::vector<int>{outer_reply.read_fd()}, bound()); });
  auto sta = ready.get_future().get();
  ASSERT_NE(sta, nullptr);
  ASSERT_TRUE(sta->post([&] {
                   ++depth;
                   order.push_back("call 1 starts at depth " + std::to_string(depth));
                   threads.push_back(GetCurrentThreadId());
                   // Call 1 makes its own outgoing call; call 2 arrives while it waits.
                   Status posted = current_apartment()->post([&] {
                     ++depth;
                     order.push_back("call 2 at depth " + std::to_string(depth));
                     threads.push_back(GetCurrentThreadId());
                     inner_reply.signal();
                     --depth;
                   });
                   if (!posted.ok()) order.push_back("post failed");
                   auto inner = modal_wait(std::vector<int>{inner_reply.read_fd()}, bound());
                   order.push_back(inner.ok() ? "call 1's reply" : "call 1's wait failed");
                   --depth;
                   outer_reply.signal();
                 }).ok());
  sta_owner.join();
  ASSERT_TRUE(outer.ok()) << outer.status().to_string();
  EXPECT_EQ(*outer, 0u);
  EXPECT_EQ(order, (std::vector<std::string>{"call 1 starts at depth 1", "call 2 at depth 2", "call 1's reply"}));
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_EQ(threads[0], sta->owner_thread());
  EXPECT_EQ(threads[1], sta->owner_thread());
}

TEST(StaQueue, AReadyDescriptorIsReportedBeforeQueuedWorkRuns) {
  on_new_thread([] {
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    int ran = 0;
    ASSERT_TRUE(current_apartment()->post([&] { ++ran; }).ok());
    ASSERT_TRUE(current_apartment()->post([&] { ++ran; }).ok());
    Pipe reply;
    reply.signal();
    auto woke = modal_wait(std::vector<int>{reply.read_fd()}, bound());
    ASSERT_TRUE(woke.ok());
    EXPECT_EQ(*woke, 0u);
    EXPECT_EQ(ran, 0) << "a reply is not kept waiting behind queued calls";
    EXPECT_EQ(run_posted_work(), 2u);
    EXPECT_EQ(ran, 2);
    CoUninitialize();
  });
}

TEST(StaQueue, AModalWaitTimesOutWithCallPendingAfterServingWork) {
  on_new_thread([] {
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    bool ran = false;
    ASSERT_TRUE(current_apartment()->post([&] { ran = true; }).ok());
    Pipe never;
    auto woke = modal_wait(std::vector<int>{never.read_fd()}, deadline_after_ms(30));
    ASSERT_FALSE(woke.ok());
    EXPECT_EQ(woke.status().code(), StatusCode::kDeadlineExceeded);
    EXPECT_EQ(woke.status().hresult(), RPC_S_CALLPENDING);
    EXPECT_TRUE(ran);
    CoUninitialize();
  });
}

// Work that keeps arriving (here: an item that posts itself again) must not keep a timed wait from
// ending at its deadline.
TEST(StaQueue, ATimedWaitEndsAtItsDeadlineEvenWhileWorkKeepsArriving) {
  on_new_thread([] {
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    constexpr int kCap = 5'000'000;  // far more runs than fit before the deadline
    int runs = 0;
    std::function<void()> again = [&] {
      if (++runs < kCap) (void)current_apartment()->post(again);
    };
    ASSERT_TRUE(current_apartment()->post(again).ok());
    EventHandle never;
    DWORD index = 99;
    EXPECT_EQ(CoWaitForMultipleHandles(0, 20, 1, never.address(), &index), RPC_S_CALLPENDING);
    EXPECT_GT(runs, 0);
    EXPECT_LT(runs, kCap) << "the wait returned only once the work stopped coming";
    CoUninitialize();  // drops the item still queued
  });
}

TEST(StaQueue, TheQueueIsBoundedAndRefusesWithRetryLater) {
  const ApartmentLimits saved = apartment_limits();
  ApartmentLimits small = saved;
  small.max_queued_work = 3;
  set_apartment_limits(small);
  on_new_thread([] {
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    Apartment* sta = current_apartment();
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(sta->post([] {}).ok());
    Status full = sta->post([] {});
    EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(full.hresult(), RPC_E_SERVERCALL_RETRYLATER);
    EXPECT_EQ(run_posted_work(), 3u);
    EXPECT_TRUE(sta->post([] {}).ok()) << "room again once the work ran";
    CoUninitialize();
  });
  set_apartment_limits(saved);
}

TEST(StaQueue, WorkStillQueuedWhenTheApartmentClosesIsDestroyedNotRun) {
  auto witness = std::make_shared<int>(0);
  bool ran = false;
  on_new_thread([&] {
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    ASSERT_TRUE(current_apartment()->post([&ran, w = witness] { ran = true; }).ok());
    EXPECT_EQ(witness.use_count(), 2);
    CoUninitialize();
  });
  EXPECT_FALSE(ran);
  EXPECT_EQ(witness.use_count(), 1) << "the dropped work's captures were released";
}

TEST(MtaPost, WorkRunsOnAWorkerThreadThatIsInTheMta) {
  on_new_thread([] {
    ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    std::shared_ptr<Apartment> mta = current_mta();
    ASSERT_NE(mta, nullptr);
    EventHandle done(false, false);
    DWORD worker = 0;
    std::uint64_t seen_apartment = 0;
    ASSERT_TRUE(mta->post([&] {
                     worker = GetCurrentThreadId();
                     seen_apartment = current_apartment() != nullptr ? current_apartment()->id() : 0;
                     SetEvent(done.get());
                   }).ok());
    ASSERT_EQ(WaitForSingleObject(done.get(), kBoundMs), WAIT_OBJECT_0);
    EXPECT_NE(worker, GetCurrentThreadId());
    EXPECT_EQ(seen_apartment, mta->id());
    CoUninitialize();  // the last member: the MTA closes and its workers stop
    EXPECT_TRUE(mta->closed());
    EXPECT_EQ(mta->post([] {}).hresult(), RPC_E_DISCONNECTED);
  });
}

TEST(MtaCallScope, MakesAServerThreadAnMtaMemberForTheCallOnly) {
  std::shared_ptr<Apartment> mta;
  EventHandle joined(true, false), finished(true, false);
  std::thread member([&] {
    ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    mta = current_mta();
    SetEvent(joined.get());
    WaitForSingleObject(finished.get(), kBoundMs);
    CoUninitialize();
  });
  ASSERT_EQ(WaitForSingleObject(joined.get(), kBoundMs), WAIT_OBJECT_0);
  on_new_thread([&] {
    EXPECT_EQ(current_apartment(), nullptr);
    {
      MtaCallScope in_call(mta);
      EXPECT_EQ(current_apartment(), mta.get());
      EXPECT_EQ(CoInitialize(nullptr), RPC_E_CHANGED_MODE) << "an MTA thread cannot become an STA";
      {
        MtaCallScope nested(mta);
        EXPECT_EQ(current_apartment(), mta.get());
      }
      EXPECT_EQ(current_apartment(), mta.get());
    }
    EXPECT_EQ(current_apartment(), nullptr);
  });
  SetEvent(finished.get());
  member.join();
}

TEST(DispatchApartmentScope, PutsARuntimeThreadInTheProcessMtaMakingItIfNeeded) {
  on_new_thread([] {
    EXPECT_FALSE(thread_in_apartment());
    {
      DispatchApartmentScope dispatching;
      ASSERT_TRUE(thread_in_apartment());
      EXPECT_EQ(current_apartment()->kind(), ApartmentKind::kMta);
      std::shared_ptr<Apartment> mta = current_mta();
      EXPECT_EQ(current_apartment(), mta.get());
      std::thread([&] {
        ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
        EXPECT_EQ(current_apartment(), mta.get()) << "an explicit member joins the same MTA";
        CoUninitialize();
      }).join();
    }
    EXPECT_FALSE(thread_in_apartment());
  });
  on_new_thread([] {
    ASSERT_EQ(CoInitialize(nullptr), S_OK);
    Apartment* sta = current_apartment();
    {
      DispatchApartmentScope unchanged;
      EXPECT_EQ(current_apartment(), sta) << "a thread in an apartment stays there";
    }
    CoUninitialize();
  });
}

}  // namespace
}  // namespace guise::com
