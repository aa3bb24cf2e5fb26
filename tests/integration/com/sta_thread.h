// sta_thread.h: a thread in its own STA for the COM apartment tests (tests only).
//
// The thread joins a new STA, runs `setup`, then serves its apartment — waiting in
// CoWaitForMultipleHandles, so calls for its objects and work posted with post() run on it — until
// finish(); then it runs `teardown` and leaves the apartment (CoUninitialize). With Serve::kNo it
// waits in a plain WaitForSingleObject instead: its apartment's queue fills and nothing runs (what a
// busy STA looks like). Every wait is bounded: a thread that does not finish in time is reported as a
// failure and left behind, never waited for forever.
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <thread>

#include "com/apartment.h"
#include "guise/handleapi.h"
#include "guise/objbase.h"
#include "guise/synchapi.h"

namespace guise::com::testing {

class StaThread {
 public:
  enum class Serve { kYes, kNo };

  explicit StaThread(std::function<void()> setup, std::function<void()> teardown = {}, Serve serve = Serve::kYes);
  ~StaThread();
  StaThread(const StaThread&) = delete;
  StaThread& operator=(const StaThread&) = delete;

  // Whether setup ran (bounded wait).
  bool started();
  DWORD tid() const noexcept { return tid_; }                        // valid once started()
  const std::shared_ptr<Apartment>& apartment() const noexcept { return apartment_; }  // likewise

  // Runs `work` on the thread (posted to its apartment); the future is ready when it ran.
  std::future<void> post(std::function<void()> work);
  // Runs `work` on the thread and waits for it (bounded); false if it did not run in time.
  bool run(std::function<void()> work);

  // Ends the wait, runs teardown, leaves the apartment; false if the thread did not end in time.
  bool finish();

 private:
  HANDLE done_ = nullptr;
  std::promise<void> started_;
  std::future<void> started_future_;
  std::promise<void> ended_;
  std::future<void> ended_future_;
  DWORD tid_ = 0;
  std::shared_ptr<Apartment> apartment_;
  std::thread thread_;
  bool finished_ = false;
};

}  // namespace guise::com::testing
