// bytes.h: little-endian loads and stores for the MS-DTYP security structures, and the Status a
// failed Win32 security call reports.
//
// The binary formats are little-endian whatever the host; loads and stores go through single bytes, so
// they never make an unaligned access (user buffers carry no alignment promise). A Status from this
// layer carries HRESULT_FROM_WIN32 of the Win32 error code the API function sets, so each C function
// reports exactly what the decoder found (win32_error_code). Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "guise/winerror.h"

namespace guise::identity::win32 {

inline std::uint16_t load_u16(const std::uint8_t* p) noexcept { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
inline std::uint32_t load_u32(const std::uint8_t* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
inline void store_u16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void store_u32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// kInvalidInput carrying the Win32 error `code` (as HRESULT_FROM_WIN32) and a message for logs.
inline Status win32_error(long code, std::string message) {
  return Status(StatusCode::kInvalidInput, std::move(message), HRESULT_FROM_WIN32(code));
}
// The Win32 error code a Status from this layer carries, or `fallback`.
inline DWORD win32_error_code(const Status& status, DWORD fallback) noexcept {
  if (auto hr = status.hresult(); hr && HRESULT_FACILITY(*hr) == FACILITY_WIN32) return HRESULT_CODE(*hr);
  return fallback;
}

}  // namespace guise::identity::win32
