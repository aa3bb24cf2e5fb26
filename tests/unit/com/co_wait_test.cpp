// CoWaitForMultipleHandles: events set by other threads, timeouts, wait-all, argument errors, in an
// STA (serving its queue), in the MTA and outside COM.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "com/apartment.h"
#include "com/modal_wait.h"
#include "com_test_support.h"
#include "guise/windows.h"

namespace guise::com {
namespace {

using testing::EventHandle;
using testing::kBoundMs;

enum class Mode { kSta, kMta, kOutsideCom };

// Runs `body` on a new thread in the given apartment kind.
void in_mode(Mode mode, const std::function<void()>& body) {
  std::thread([&] {
    if (mode == Mode::kSta) {
      ASSERT_EQ(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED), S_OK);
    }
    if (mode == Mode::kMta) {
      ASSERT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
    }
    body();
    if (mode != Mode::kOutsideCom) CoUninitialize();
  }).join();
}

class CoWait : public ::testing::TestWithParam<Mode> {};

TEST_P(CoWait, ReturnsTheIndexOfTheEventAnotherThreadSets) {
  in_mode(GetParam(), [] {
    EventHandle first, second;
    HANDLE handles[] = {first.get(), second.get()};
    std::thread setter([&] { SetEvent(second.get()); });
    DWORD index = 99;
    EXPECT_EQ(CoWaitForMultipleHandles(0, kBoundMs, 2, handles, &index), S_OK);
    setter.join();
    EXPECT_EQ(index, 1u);
    EXPECT_EQ(WaitForSingleObject(second.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT)) << "the wait took the signal";
  });
}

TEST_P(CoWait, ATimeoutIsCallPending) {
  in_mode(GetParam(), [] {
    EventHandle never;
    DWORD index = 99;
    EXPECT_EQ(CoWaitForMultipleHandles(0, 20, 1, never.address(), &index), RPC_S_CALLPENDING);
    EXPECT_EQ(CoWaitForMultipleHandles(0, 0, 1, never.address(), &index), RPC_S_CALLPENDING);
  });
}

TEST_P(CoWait, WaitAllReturnsOnlyOnceEveryEventIsSignaled) {
  in_mode(GetParam(), [] {
    EventHandle a, b;
    HANDLE handles[] = {a.get(), b.get()};
    SetEvent(a.get());
    DWORD index = 99;
    EXPECT_EQ(CoWaitForMultipleHandles(COWAIT_WAITALL, 0, 2, handles, &index), RPC_S_CALLPENDING);
    std::thread setter([&] { SetEvent(b.get()); });
    EXPECT_EQ(CoWaitForMultipleHandles(COWAIT_WAITALL, kBoundMs, 2, handles, &index), S_OK);
    setter.join();
    EXPECT_EQ(index, 0u);
    EXPECT_EQ(WaitForSingleObject(a.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT));
    EXPECT_EQ(WaitForSingleObject(b.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT));
  });
}

TEST_P(CoWait, AcceptsTheDocumentedFlagsAndRefusesOthers) {
  in_mode(GetParam(), [] {
    EventHandle set(true, true);
    DWORD index = 99;
    EXPECT_EQ(CoWaitForMultipleHandles(COWAIT_ALERTABLE | COWAIT_INPUTAVAILABLE | COWAIT_DISPATCH_CALLS, 0, 1,
                                       set.address(), &index),
              S_OK);
    EXPECT_EQ(index, 0u);
    EXPECT_EQ(CoWaitForMultipleHandles(0x40, 0, 1, set.address(), &index), E_INVALIDARG);
  });
}

TEST_P(CoWait, RefusesBadArgumentsAsWindowsDoes) {
  in_mode(GetParam(), [] {
    EventHandle e(true, true);
    DWORD index = 99;
    EXPECT_EQ(CoWaitForMultipleHandles(0, 0, 0, e.address(), &index), RPC_E_NO_SYNC);
    EXPECT_EQ(CoWaitForMultipleHandles(0, 0, 1, nullptr, &index), E_INVALIDARG);
    EXPECT_EQ(CoWaitForMultipleHandles(0, 0, 1, e.address(), nullptr), E_INVALIDARG);
    std::vector<HANDLE> too_many(MAXIMUM_WAIT_OBJECTS + 1, e.get());
    EXPECT_EQ(CoWaitForMultipleHandles(0, 0, MAXIMUM_WAIT_OBJECTS + 1, too_many.data(), &index), E_INVALIDARG);
    HANDLE twice[] = {e.get(), e.get()};
    EXPECT_EQ(CoWaitForMultipleHandles(COWAIT_WAITALL, 0, 2, twice, &index), E_INVALIDARG);
    HANDLE closed = CreateEventW(nullptr, TRUE, TRUE, nullptr);
    CloseHandle(closed);
    EXPECT_EQ(CoWaitForMultipleHandles(0, 0, 1, &closed, &index), E_HANDLE);
    EXPECT_EQ(index, 99u) << "lpdwindex is written only on S_OK";
  });
}

std::string mode_name(const ::testing::TestParamInfo<Mode>& param_info) {
  switch (param_info.param) {
    case Mode::kSta: return "Sta";
    case Mode::kMta: return "Mta";
    case Mode::kOutsideCom: return "OutsideCom";
  }
  return "Unknown";
}

INSTANTIATE_TEST_SUITE_P(InEveryApartmentKind, CoWait, ::testing::Values(Mode::kSta, Mode::kMta, Mode::kOutsideCom),
                         mode_name);

// An STA server's main thread parks in CoWaitForMultipleHandles on a stop event; calls posted to its
// apartment run there meanwhile, and one of them stops it.
TEST(CoWaitInSta, ServesQueuedCallsUntilItsEventIsSet) {
  std::promise<std::shared_ptr<Apartment>> ready;
  EventHandle stop(true, false);
  HRESULT waited = E_FAIL;
  std::thread server = testing::sta_thread(ready, [&] {
    DWORD index = 99;
    waited = CoWaitForMultipleHandles(0, kBoundMs, 1, stop.address(), &index);
  });
  auto sta = ready.get_future().get();
  ASSERT_NE(sta, nullptr);
  constexpr int kCalls = 20;
  std::vector<DWORD> ran_on;
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(sta->post([&] { ran_on.push_back(GetCurrentThreadId()); }).ok());
  }
  ASSERT_TRUE(sta->post([&] { SetEvent(stop.get()); }).ok());
  server.join();
  EXPECT_EQ(waited, S_OK);
  ASSERT_EQ(ran_on.size(), static_cast<std::size_t>(kCalls)) << "every call queued before the stop ran, in order";
  for (DWORD tid : ran_on) EXPECT_EQ(tid, sta->owner_thread());
}

}  // namespace
}  // namespace guise::com
