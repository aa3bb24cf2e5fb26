// bytes_support.h: test helpers — hex text ↔ bytes, so expected layouts read like a dump, and a
// LocalFree guard for what the Win32 conversion functions hand out.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "guise/winbase.h"

namespace guise::identity::win32::testing {

inline std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  char buf[4];
  for (std::uint8_t b : bytes) {
    if (!out.empty()) out += ' ';
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

// Hex digits; spaces and '|' between bytes are ignored.
inline std::vector<std::uint8_t> from_hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (char c : text) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

inline std::span<const std::uint8_t> bytes_at(const void* p, std::size_t size) {
  return {static_cast<const std::uint8_t*>(p), size};
}

// Frees a LocalAlloc'd result when the test scope ends.
template <class T>
class LocalPtr {
 public:
  LocalPtr() = default;
  ~LocalPtr() { LocalFree(p_); }
  LocalPtr(const LocalPtr&) = delete;
  LocalPtr& operator=(const LocalPtr&) = delete;
  T** out() { return &p_; }
  T* get() const { return p_; }

 private:
  T* p_ = nullptr;
};

}  // namespace guise::identity::win32::testing
