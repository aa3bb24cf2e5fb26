// hex.h: test helper turning bytes into "0a 0b ..." text and back, so expectations read like a dump.
#pragma once

#include <cstddef>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace guise::ndr::testing {

inline std::string to_hex(std::span<const std::byte> bytes) {
  std::string out;
  char buf[4];
  for (std::byte b : bytes) {
    if (!out.empty()) out += ' ';
    std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(b));
    out += buf;
  }
  return out;
}

// Accepts hex digits with any spaces or '|' separators between bytes.
inline std::vector<std::byte> from_hex(std::string_view text) {
  std::vector<std::byte> out;
  int nibble = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<std::byte>(nibble * 16 + v));
      nibble = -1;
    }
  }
  return out;
}

}  // namespace guise::ndr::testing
