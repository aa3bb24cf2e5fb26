#include "integration/com/sta_thread.h"

#include <gtest/gtest.h>

#include <chrono>

#include "guise/processthreadsapi.h"

namespace guise::com::testing {
namespace {
constexpr auto kBound = std::chrono::seconds(60);
constexpr DWORD kBoundMs = 60'000;
}  // namespace

StaThread::StaThread(std::function<void()> setup, std::function<void()> teardown, Serve serve)
    : done_(CreateEventW(nullptr, TRUE, FALSE, nullptr)),
      started_future_(started_.get_future()),
      ended_future_(ended_.get_future()) {
  thread_ = std::thread([this, setup = std::move(setup), teardown = std::move(teardown), serve] {
    EXPECT_EQ(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED), S_OK);
    tid_ = GetCurrentThreadId();
    apartment_ = current_apartment()->shared();
    if (setup) setup();
    started_.set_value();
    if (serve == Serve::kYes) {
      DWORD index = 0;
      EXPECT_EQ(CoWaitForMultipleHandles(0, kBoundMs, 1, &done_, &index), S_OK);
    } else {
      EXPECT_EQ(WaitForSingleObject(done_, kBoundMs), WAIT_OBJECT_0);
    }
    if (teardown) teardown();
    CoUninitialize();
    ended_.set_value();
  });
}

StaThread::~StaThread() {
  if (!finished_) (void)finish();
  CloseHandle(done_);
}

bool StaThread::started() { return started_future_.wait_for(kBound) == std::future_status::ready; }

std::future<void> StaThread::post(std::function<void()> work) {
  auto promise = std::make_shared<std::promise<void>>();
  std::future<void> ran = promise->get_future();
  const Status posted = apartment_->post([promise, work = std::move(work)] {
    work();
    promise->set_value();
  });
  EXPECT_TRUE(posted.ok()) << posted.to_string();
  return ran;
}

bool StaThread::run(std::function<void()> work) {
  return post(std::move(work)).wait_for(kBound) == std::future_status::ready;
}

bool StaThread::finish() {
  if (finished_) return true;
  finished_ = true;
  SetEvent(done_);
  if (ended_future_.wait_for(kBound) != std::future_status::ready) {
    ADD_FAILURE() << "the STA thread did not end in time";
    thread_.detach();
    return false;
  }
  thread_.join();
  return true;
}

}  // namespace guise::com::testing
