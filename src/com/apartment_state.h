// apartment_state.h: which apartment the calling thread is in, as COM remoting needs to know it.
//
// TODO(apartments): a minimal stand-in until the apartment work lands (STA event queues, modal
// waits, CoWaitForMultipleHandles). Here: CoInitializeEx/CoUninitialize keep a per-thread count and
// kind (RPC_E_CHANGED_MODE, S_FALSE for a repeat); every exported object is served in the MTA, on
// the thread that reads its request, which counts as an MTA thread for the duration of the call
// (DispatchApartmentScope). COM calls from a thread in no apartment fail with CO_E_NOTINITIALIZED.
// Thread-safety: per-thread state; safe from any thread.
#pragma once

#include <cstdint>

namespace guise::com {

enum class ApartmentKind : std::uint8_t { kNone, kMta, kSta };

ApartmentKind current_apartment() noexcept;
inline bool thread_in_apartment() noexcept { return current_apartment() != ApartmentKind::kNone; }

// Makes the calling (RPC) thread an MTA thread while it dispatches an incoming call, restoring what
// it was after (DESIGN decision 6: the MTA serves calls on the reading thread).
class DispatchApartmentScope {
 public:
  DispatchApartmentScope() noexcept;
  ~DispatchApartmentScope();
  DispatchApartmentScope(const DispatchApartmentScope&) = delete;
  DispatchApartmentScope& operator=(const DispatchApartmentScope&) = delete;

 private:
  ApartmentKind previous_;
  std::uint32_t previous_count_;
};

}  // namespace guise::com
