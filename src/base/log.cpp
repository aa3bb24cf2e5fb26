#include "base/log.h"

#include <cstdlib>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace guise::log {
namespace {

int level_from_environment() noexcept {
  const char* name = std::getenv("GUISE_LOG_LEVEL");
  if (name == nullptr) return static_cast<int>(Level::kInfo);
  std::string_view text(name);
  if (text == "trace") return static_cast<int>(Level::kTrace);
  if (text == "debug") return static_cast<int>(Level::kDebug);
  if (text == "info") return static_cast<int>(Level::kInfo);
  if (text == "warn") return static_cast<int>(Level::kWarn);
  if (text == "error") return static_cast<int>(Level::kError);
  if (text == "off") return static_cast<int>(Level::kOff);
  return static_cast<int>(Level::kInfo);
}

spdlog::logger& logger() {
  // stderr, unbuffered, "[time] [guise] [level] [pid:tid] message": one line per event. Never
  // destroyed: runtime threads (an RPC server being stopped by an atexit handler) may still log while
  // static objects are destroyed at exit.
  static auto* instance = new std::shared_ptr<spdlog::logger>([] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto created = std::make_shared<spdlog::logger>("guise", std::move(sink));
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e [guise] [%l] [%P:%t] %v");
    created->set_level(spdlog::level::trace);  // filtering happens in enabled()
    return created;
  }());
  return **instance;
}

}  // namespace

namespace detail {
std::atomic<int> g_level{level_from_environment()};

void write(Level level, std::string_view message) noexcept {
  try {
    logger().log(static_cast<spdlog::level::level_enum>(level), message);
  } catch (...) {
    // Logging must never take down a caller; a lost line is the lesser harm.
  }
}
}  // namespace detail

void set_level(Level level) noexcept { detail::g_level.store(static_cast<int>(level)); }

bool set_level(std::string_view name) noexcept {
  static constexpr std::pair<std::string_view, Level> kLevels[] = {
      {"trace", Level::kTrace}, {"debug", Level::kDebug}, {"info", Level::kInfo},
      {"warn", Level::kWarn},   {"error", Level::kError}, {"off", Level::kOff}};
  for (const auto& [level_name, level] : kLevels) {
    if (level_name == name) {
      set_level(level);
      return true;
    }
  }
  return false;
}

}  // namespace guise::log
