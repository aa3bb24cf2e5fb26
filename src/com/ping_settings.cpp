#include "com/ping_settings.h"

#include <cstdlib>
#include <string_view>

#include "base/log.h"

namespace guise::com {
namespace {

std::uint64_t read_env(const char* name, std::uint64_t fallback, std::uint64_t minimum, std::uint64_t maximum) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == nullptr || *end != '\0' || value < minimum || value > maximum) {
    log::warn("com: {}='{}' is not a number in [{}, {}]; using {}", name, text, minimum, maximum, fallback);
    return fallback;
  }
  return value;
}

PingSettings load() {
  PingSettings s;
  s.period = std::chrono::milliseconds(read_env("GUISE_COM_PING_PERIOD_MS", 120000, 50, 24ull * 3600 * 1000));
  s.missed_pings = static_cast<std::uint32_t>(read_env("GUISE_COM_PING_MISSES", 3, 1, 1000));
  return s;
}

}  // namespace

const PingSettings& ping_settings() {
  static const PingSettings settings = load();
  return settings;
}

}  // namespace guise::com
