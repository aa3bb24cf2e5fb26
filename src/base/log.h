// log.h: guise's log, one line per event, to stderr (or the sink the application installs).
//
// Log an error once, where it is handled (dispatcher, association), not at every level. Messages are
// formatted only when their level is enabled, so disabled levels cost a relaxed atomic load.
// The level comes from GUISE_LOG_LEVEL (trace, debug, info, warn, error, off; default info) and
// can be changed with set_log_level. Thread-safe.
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace guise::log {

enum class Level : int { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

namespace detail {
extern std::atomic<int> g_level;
void write(Level level, std::string_view message) noexcept;
}  // namespace detail

inline bool enabled(Level level) noexcept {
  return static_cast<int>(level) >= detail::g_level.load(std::memory_order_relaxed);
}
void set_level(Level level) noexcept;
// Parses "trace".."off"; returns false (level unchanged) for anything else.
bool set_level(std::string_view name) noexcept;

template <class... Args>
void at(Level level, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(level)) detail::write(level, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::kDebug, format, std::forward<Args>(args)...);
}
template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::kInfo, format, std::forward<Args>(args)...);
}
template <class... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::kWarn, format, std::forward<Args>(args)...);
}
template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::kError, format, std::forward<Args>(args)...);
}

}  // namespace guise::log
