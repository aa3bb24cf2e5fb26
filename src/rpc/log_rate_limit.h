// log_rate_limit.h: at most one log line per interval for an event a peer can repeat at will.
//
// Refused connections, descriptor exhaustion and quota refusals can come thousands of times a second;
// each site keeps a LogRateLimit and logs only when allow() says so, with the number of events it
// suppressed since its previous line, so the log stays readable and cheap while nothing is lost
// from the count. Thread-safety: lock-free; any thread may call allow().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace guise::rpc {

class LogRateLimit {
 public:
  explicit LogRateLimit(std::chrono::milliseconds interval = std::chrono::seconds(1)) noexcept
      : interval_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(interval).count()) {}

  // True when this event should be logged; `suppressed` is then how many were not since the last one.
  [[nodiscard]] bool allow(std::uint64_t& suppressed) noexcept {
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    std::int64_t next = next_ns_.load(std::memory_order_relaxed);
    if (now < next || !next_ns_.compare_exchange_strong(next, now + interval_ns_, std::memory_order_relaxed)) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    suppressed = dropped_.exchange(0, std::memory_order_relaxed);
    return true;
  }

 private:
  const std::int64_t interval_ns_;
  std::atomic<std::int64_t> next_ns_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace guise::rpc
