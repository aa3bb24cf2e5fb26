#include "base/guid_string.h"

#include <fmt/format.h>

namespace guise {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads `digits` hex digits at text[pos...]; nullopt if any is not hex.
std::optional<std::uint32_t> read_hex(std::string_view text, std::size_t pos, std::size_t digits) noexcept {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const int v = hex_value(text[pos + i]);
    if (v < 0) return std::nullopt;
    value = (value << 4) | static_cast<std::uint32_t>(v);
  }
  return value;
}

std::string format_with(const GUID& g, bool upper) {
  if (upper) {
    return fmt::format("{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}", g.Data1,
                       g.Data2, g.Data3, g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4],
                       g.Data4[5], g.Data4[6], g.Data4[7]);
  }
  return fmt::format("{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", g.Data1,
                     g.Data2, g.Data3, g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4],
                     g.Data4[5], g.Data4[6], g.Data4[7]);
}

}  // namespace

std::string format_guid_braced(const GUID& guid) { return "{" + format_with(guid, true) + "}"; }
std::string format_guid(const GUID& guid) { return format_with(guid, false); }

std::optional<GUID> parse_guid(std::string_view text) noexcept {
  if (text.size() == 38) {
    if (text.front() != '{' || text.back() != '}') return std::nullopt;
    text = text.substr(1, 36);
  }
  if (text.size() != 36) return std::nullopt;
  if (text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') return std::nullopt;
  GUID g{};
  auto d1 = read_hex(text, 0, 8);
  auto d2 = read_hex(text, 9, 4);
  auto d3 = read_hex(text, 14, 4);
  if (!d1 || !d2 || !d3) return std::nullopt;
  g.Data1 = *d1;
  g.Data2 = static_cast<USHORT>(*d2);
  g.Data3 = static_cast<USHORT>(*d3);
  constexpr std::size_t kByteOffsets[8] = {19, 21, 24, 26, 28, 30, 32, 34};
  for (int i = 0; i < 8; ++i) {
    auto b = read_hex(text, kByteOffsets[i], 2);
    if (!b) return std::nullopt;
    g.Data4[i] = static_cast<UCHAR>(*b);
  }
  return g;
}

}  // namespace guise
