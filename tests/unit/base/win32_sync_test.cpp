// Events, waits, handles, last-error and thread ids (synchapi.h, handleapi.h, errhandlingapi.h,
// processthreadsapi.h), with real threads. Every blocking wait is bounded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/handle_table.h"
#include "guise/windows.h"
#include "support/child_process.h"

namespace {

constexpr DWORD kBound = 10'000;  // ms: long enough never to expire in a passing run

// An event that closes itself, so a failing assertion leaks no handle.
class EventHandle {
 public:
  EventHandle(bool manual_reset, bool signaled) : h_(CreateEventW(nullptr, manual_reset, signaled, nullptr)) {}
  ~EventHandle() {
    if (h_ != nullptr) CloseHandle(h_);
  }
  EventHandle(const EventHandle&) = delete;
  EventHandle& operator=(const EventHandle&) = delete;
  HANDLE get() const { return h_; }

 private:
  HANDLE h_;
};

TEST(Win32Event, CreateReturnsAHandleThatClosesOnce) {
  HANDLE h = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  ASSERT_NE(h, nullptr);
  EXPECT_NE(h, INVALID_HANDLE_VALUE);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(h) % 4, 0u) << "Windows handle values are multiples of 4";
  EXPECT_EQ(CloseHandle(h), TRUE);
  SetLastError(0);
  EXPECT_EQ(CloseHandle(h), FALSE);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

TEST(Win32Event, HandleValuesAreNeverReused) {
  HANDLE first = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  ASSERT_NE(first, nullptr);
  ASSERT_EQ(CloseHandle(first), TRUE);
  EventHandle second(false, false);
  EXPECT_NE(second.get(), first);
  SetLastError(0);
  EXPECT_EQ(SetEvent(first), FALSE) << "a closed handle must not reach the newer event";
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  EXPECT_EQ(WaitForSingleObject(second.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT));
}

TEST(Win32Event, NamedEventsAreRefusedAsUnsupported) {
  SetLastError(0);
  EXPECT_EQ(CreateEventW(nullptr, TRUE, FALSE, u"Global\\guise-test"), nullptr);
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOT_SUPPORTED));
}

TEST(Win32Event, BadHandlesFailWithInvalidHandle) {
  const std::size_t open_before = guise::HandleTable::process().size();
  for (HANDLE bad : {static_cast<HANDLE>(nullptr), INVALID_HANDLE_VALUE, reinterpret_cast<HANDLE>(0x7ff0)}) {
    SetLastError(0);
    EXPECT_EQ(SetEvent(bad), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    SetLastError(0);
    EXPECT_EQ(ResetEvent(bad), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    SetLastError(0);
    EXPECT_EQ(WaitForSingleObject(bad, 0), static_cast<DWORD>(WAIT_FAILED));
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
    SetLastError(0);
    EXPECT_EQ(CloseHandle(bad), FALSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
  }
  EXPECT_EQ(guise::HandleTable::process().size(), open_before);
}

TEST(Win32Event, ManualResetStaysSignaledUntilReset) {
  EventHandle e(true, true);
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), WAIT_OBJECT_0);
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), WAIT_OBJECT_0);
  EXPECT_EQ(ResetEvent(e.get()), TRUE);
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT));
  EXPECT_EQ(SetEvent(e.get()), TRUE);
  EXPECT_EQ(SetEvent(e.get()), TRUE);  // setting a signaled event is allowed and changes nothing
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), WAIT_OBJECT_0);
  EXPECT_EQ(ResetEvent(e.get()), TRUE);
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT));
}

TEST(Win32Event, AutoResetIsTakenByOneWait) {
  EventHandle e(false, true);
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), WAIT_OBJECT_0);
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT));
  SetEvent(e.get());
  SetEvent(e.get());  // two sets before a wait still release one wait: events do not count
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), WAIT_OBJECT_0);
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT));
}

TEST(Win32Event, ShortTimeoutOnAnUnsignaledEventReturnsWaitTimeout) {
  EventHandle e(true, false);
  EXPECT_EQ(WaitForSingleObject(e.get(), 20), static_cast<DWORD>(WAIT_TIMEOUT));
  HANDLE both[] = {e.get(), e.get()};
  EXPECT_EQ(WaitForMultipleObjects(2, both, FALSE, 20), static_cast<DWORD>(WAIT_TIMEOUT));
}

TEST(Win32Event, AWaitEndsWhenAnotherThreadSetsTheEvent) {
  EventHandle e(false, false);
  std::thread setter([&] { SetEvent(e.get()); });
  EXPECT_EQ(WaitForSingleObject(e.get(), kBound), WAIT_OBJECT_0);
  setter.join();
  EXPECT_EQ(WaitForSingleObject(e.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT)) << "the wait took the signal";
}

TEST(Win32Event, OneSetOfAnAutoResetEventReleasesExactlyOneWaiter) {
  EventHandle work(false, false);
  EventHandle stop(true, false);
  EventHandle took(false, false);
  std::atomic<int> acquired{0};
  std::atomic<int> stopped{0};
  constexpr int kWaiters = 5;
  constexpr int kSets = 3;
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      HANDLE both[] = {work.get(), stop.get()};
      const DWORD r = WaitForMultipleObjects(2, both, FALSE, kBound);
      if (r == WAIT_OBJECT_0) {
        acquired.fetch_add(1);
        SetEvent(took.get());
      } else if (r == WAIT_OBJECT_0 + 1) {
        stopped.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < kSets; ++i) {
    ASSERT_EQ(SetEvent(work.get()), TRUE);
    ASSERT_EQ(WaitForSingleObject(took.get(), kBound), WAIT_OBJECT_0) << "set " << i << " released nobody";
  }
  SetEvent(stop.get());
  for (auto& t : waiters) t.join();
  EXPECT_EQ(acquired.load(), kSets);
  EXPECT_EQ(stopped.load(), kWaiters - kSets);
}

TEST(Win32Event, SetOfAManualResetEventReleasesEveryWaiter) {
  EventHandle gate(true, false);
  EventHandle ready(false, false);
  std::atomic<int> released{0};
  constexpr int kWaiters = 4;
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      if (WaitForSingleObject(gate.get(), kBound) == WAIT_OBJECT_0) released.fetch_add(1);
    });
  }
  SetEvent(gate.get());
  for (auto& t : waiters) t.join();
  EXPECT_EQ(released.load(), kWaiters);
  EXPECT_EQ(WaitForSingleObject(gate.get(), 0), WAIT_OBJECT_0) << "still signaled after the waiters left";
}

TEST(Win32WaitMultiple, WaitAnyReportsTheLowestSignaledIndex) {
  std::vector<std::unique_ptr<EventHandle>> events;
  std::vector<HANDLE> handles;
  for (int i = 0; i < 4; ++i) {
    events.push_back(std::make_unique<EventHandle>(false, false));
    handles.push_back(events.back()->get());
  }
  SetEvent(handles[3]);
  SetEvent(handles[2]);
  EXPECT_EQ(WaitForMultipleObjects(4, handles.data(), FALSE, 0), WAIT_OBJECT_0 + 2);
  EXPECT_EQ(WaitForMultipleObjects(4, handles.data(), FALSE, 0), WAIT_OBJECT_0 + 3);
  EXPECT_EQ(WaitForMultipleObjects(4, handles.data(), FALSE, 0), static_cast<DWORD>(WAIT_TIMEOUT));
}

TEST(Win32WaitMultiple, WaitAllTakesNothingUntilEveryObjectIsSignaled) {
  EventHandle a(false, true);  // auto, signaled
  EventHandle m(true, true);   // manual, signaled
  EventHandle b(false, false);  // auto, not signaled
  HANDLE all[] = {a.get(), m.get(), b.get()};
  EXPECT_EQ(WaitForMultipleObjects(3, all, TRUE, 0), static_cast<DWORD>(WAIT_TIMEOUT));
  EXPECT_EQ(WaitForMultipleObjects(3, all, TRUE, 20), static_cast<DWORD>(WAIT_TIMEOUT));
  // The failed waits left the signaled auto-reset event alone.
  HANDLE just_a[] = {a.get()};
  SetEvent(b.get());
  EXPECT_EQ(WaitForMultipleObjects(3, all, TRUE, 0), WAIT_OBJECT_0);
  EXPECT_EQ(WaitForMultipleObjects(1, just_a, FALSE, 0), static_cast<DWORD>(WAIT_TIMEOUT)) << "a was taken";
  EXPECT_EQ(WaitForSingleObject(b.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT)) << "b was taken";
  EXPECT_EQ(WaitForSingleObject(m.get(), 0), WAIT_OBJECT_0) << "a manual-reset event stays signaled";
}

TEST(Win32WaitMultiple, WaitAllEndsWhenAnotherThreadSignalsTheLastObject) {
  EventHandle a(false, false);
  EventHandle b(true, false);
  EventHandle c(false, false);
  HANDLE all[] = {a.get(), b.get(), c.get()};
  std::thread setter([&] {
    SetEvent(c.get());
    SetEvent(a.get());
    SetEvent(b.get());
  });
  EXPECT_EQ(WaitForMultipleObjects(3, all, TRUE, kBound), WAIT_OBJECT_0);
  setter.join();
  EXPECT_EQ(WaitForSingleObject(a.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT));
  EXPECT_EQ(WaitForSingleObject(c.get(), 0), static_cast<DWORD>(WAIT_TIMEOUT));
}

TEST(Win32WaitMultiple, OverlappingWaitAllsOnTwoThreadsShareTheSignalsWithoutDeadlock) {
  EventHandle x(false, true);
  EventHandle y(false, true);  // shared: each round takes it and hands it back
  EventHandle z(false, true);
  std::atomic<int> rounds{0};
  constexpr int kRounds = 200;
  auto waiter = [&](HANDLE own, bool own_first) {
    HANDLE pair[2] = {own_first ? own : y.get(), own_first ? y.get() : own};  // both lock orders
    for (int i = 0; i < kRounds; ++i) {
      if (WaitForMultipleObjects(2, pair, TRUE, kBound) != WAIT_OBJECT_0) return;
      rounds.fetch_add(1);
      SetEvent(own);
      SetEvent(y.get());
    }
  };
  std::thread t1(waiter, x.get(), true);
  std::thread t2(waiter, z.get(), false);
  t1.join();
  t2.join();
  EXPECT_EQ(rounds.load(), 2 * kRounds);
}

TEST(Win32WaitMultiple, SixtyFourHandlesAreTheLimit) {
  std::vector<std::unique_ptr<EventHandle>> events;
  std::vector<HANDLE> handles;
  for (int i = 0; i < MAXIMUM_WAIT_OBJECTS + 1; ++i) {
    events.push_back(std::make_unique<EventHandle>(true, false));
    handles.push_back(events.back()->get());
  }
  SetEvent(handles[MAXIMUM_WAIT_OBJECTS - 1]);
  EXPECT_EQ(WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, handles.data(), FALSE, 0),
            WAIT_OBJECT_0 + MAXIMUM_WAIT_OBJECTS - 1);
  for (HANDLE h : handles) SetEvent(h);
  EXPECT_EQ(WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, handles.data(), TRUE, 0), WAIT_OBJECT_0);
  SetLastError(0);
  EXPECT_EQ(WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS + 1, handles.data(), FALSE, 0),
            static_cast<DWORD>(WAIT_FAILED));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  SetLastError(0);
  EXPECT_EQ(WaitForMultipleObjects(0, handles.data(), FALSE, 0), static_cast<DWORD>(WAIT_FAILED));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  SetLastError(0);
  EXPECT_EQ(WaitForMultipleObjects(1, nullptr, FALSE, 0), static_cast<DWORD>(WAIT_FAILED));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST(Win32WaitMultiple, AHandleTwiceIsRefusedInWaitAllAndAllowedInWaitAny) {
  EventHandle e(true, true);
  HANDLE twice[] = {e.get(), e.get()};
  SetLastError(0);
  EXPECT_EQ(WaitForMultipleObjects(2, twice, TRUE, 0), static_cast<DWORD>(WAIT_FAILED));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
  EXPECT_EQ(WaitForMultipleObjects(2, twice, FALSE, 0), WAIT_OBJECT_0);
}

TEST(Win32WaitMultiple, OneBadHandleFailsTheWholeWait) {
  EventHandle e(true, true);
  HANDLE mixed[] = {e.get(), reinterpret_cast<HANDLE>(0x7ff4)};
  SetLastError(0);
  EXPECT_EQ(WaitForMultipleObjects(2, mixed, FALSE, 0), static_cast<DWORD>(WAIT_FAILED));
  EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_HANDLE));
}

TEST(Win32WaitMultiple, ClosingAHandleWhileAnotherThreadWaitsOnItIsSafe) {
  HANDLE doomed = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  ASSERT_NE(doomed, nullptr);
  EventHandle wake(false, false);
  EventHandle waiting(false, false);
  DWORD result = 0;
  std::thread waiter([&] {
    HANDLE both[] = {doomed, wake.get()};
    SetEvent(waiting.get());
    result = WaitForMultipleObjects(2, both, FALSE, kBound);
  });
  ASSERT_EQ(WaitForSingleObject(waiting.get(), kBound), WAIT_OBJECT_0);
  EXPECT_EQ(CloseHandle(doomed), TRUE);
  SetEvent(wake.get());
  waiter.join();
  // The waiter either looked the handle up before it was closed (and then saw `wake`) or after (and
  // failed cleanly): never a crash or a use of freed memory (ASan runs this).
  EXPECT_TRUE(result == WAIT_OBJECT_0 + 1 || result == WAIT_FAILED) << result;
}

TEST(Win32LastError, IsPerThread) {
  SetLastError(1234);
  DWORD seen_by_new_thread = 99;
  std::thread other([&] {
    seen_by_new_thread = GetLastError();
    SetLastError(ERROR_INVALID_HANDLE);
  });
  other.join();
  EXPECT_EQ(seen_by_new_thread, 0u);
  EXPECT_EQ(GetLastError(), 1234u);
}

// The thread id is the kernel's: /proc names the task and reports it as the thread's own pid.
TEST(Win32ThreadId, IsTheKernelTaskIdOfTheCallingThread) {
  auto check = [] {
    const DWORD tid = GetCurrentThreadId();
    std::ifstream status("/proc/self/task/" + std::to_string(tid) + "/status");
    std::string line;
    std::string pid_line;
    while (std::getline(status, line)) {
      if (line.rfind("Pid:", 0) == 0) pid_line = line;
    }
    return pid_line == "Pid:\t" + std::to_string(tid);
  };
  EXPECT_TRUE(check());
  DWORD other_tid = 0;
  bool other_ok = false;
  std::thread other([&] {
    other_tid = GetCurrentThreadId();
    other_ok = check();
  });
  other.join();
  EXPECT_TRUE(other_ok);
  EXPECT_NE(other_tid, GetCurrentThreadId());
  EXPECT_EQ(GetCurrentProcessId(), static_cast<DWORD>(::getpid()));
}

TEST(Win32ThreadId, AForkedChildSeesItsOwnThreadId) {
  const DWORD parent = GetCurrentThreadId();  // cached in the parent before the fork
  auto child = guise::testing::run_in_child([parent] {
    const DWORD mine = GetCurrentThreadId();
    return mine == static_cast<DWORD>(::getpid()) && mine != parent ? 0 : 1;
  });
  EXPECT_EQ(child.exit_code, 0);
}

}  // namespace
