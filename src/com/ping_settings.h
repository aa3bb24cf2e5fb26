// ping_settings.h: the garbage-collection clock of COM remoting (MS-DCOM §3.2.6, §3.1.2.5.1.2).
//
// A client pings the objects it holds every `period`; a server runs down an object (releases every
// reference remote clients held on it) once no ping set containing it has been pinged for
// `period × missed_pings` — so a client killed without a chance to release leaks nothing. Windows'
// values are fixed at 120 s × 3; guise reads them once per process from the environment:
//
//   GUISE_COM_PING_PERIOD_MS   ping period in milliseconds (default 120000; at least 50)
//   GUISE_COM_PING_MISSES      missed periods before rundown (default 3; at least 1)
//
// Both sides of a connection must agree for objects to survive; tests set ~1 s. Values outside the
// range fall back to the default with one log line. Thread-safe (computed once).
#pragma once

#include <chrono>
#include <cstdint>

namespace guise::com {

struct PingSettings {
  std::chrono::milliseconds period{120000};
  std::uint32_t missed_pings = 3;

  std::chrono::milliseconds rundown_after() const noexcept { return period * missed_pings; }
};

// The process's settings, read from the environment on first use.
const PingSettings& ping_settings();

}  // namespace guise::com
