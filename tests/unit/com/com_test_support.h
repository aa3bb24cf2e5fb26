// com_test_support.h: small helpers for the apartment tests (a pipe to wait on, an STA on its own thread).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <functional>
#include <future>
#include <memory>
#include <thread>

#include "com/apartment.h"
#include "guise/windows.h"

namespace guise::com::testing {

constexpr DWORD kBoundMs = 10'000;  // a wait that never expires in a passing run

// A pipe: wait on read_fd(), make it readable with signal().
class Pipe {
 public:
  Pipe() { GUISE_ASSERT(::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2"); }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int read_fd() const { return fds_[0]; }
  void signal() const { GUISE_ASSERT(::write(fds_[1], "x", 1) == 1, "pipe write"); }

 private:
  int fds_[2];
};

// An event handle that closes itself.
class EventHandle {
 public:
  explicit EventHandle(bool manual_reset = false, bool signaled = false)
      : h_(CreateEventW(nullptr, manual_reset, signaled, nullptr)) {}
  ~EventHandle() {
    if (h_ != nullptr) CloseHandle(h_);
  }
  EventHandle(const EventHandle&) = delete;
  EventHandle& operator=(const EventHandle&) = delete;
  HANDLE get() const { return h_; }
  HANDLE* address() { return &h_; }

 private:
  HANDLE h_;
};

// Runs `body` on a new thread that is in its own STA for the body's duration; the apartment is
// published through `apartment` before the body runs.
inline std::thread sta_thread(std::promise<std::shared_ptr<Apartment>>& apartment, std::function<void()> body) {
  return std::thread([&apartment, body = std::move(body)] {
    if (CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED) != S_OK) {
      apartment.set_value(nullptr);
      return;
    }
    apartment.set_value(current_apartment()->shared());
    body();
    CoUninitialize();
  });
}

}  // namespace guise::com::testing
