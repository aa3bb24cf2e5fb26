// local_text.h: handing results out in LocalAlloc'd memory (freed by the caller with LocalFree), as
// the Win32 conversion functions do. Each helper sets *out and returns TRUE, or fails with
// ERROR_NOT_ENOUGH_MEMORY leaving *out untouched. Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "guise/wtypes.h"

namespace guise::identity::win32 {

// NUL-terminated copies of `text` (UTF-8 in, UTF-8 or UTF-16 out); *length, if given, receives the
// buffer's size in characters, NUL included.
BOOL local_text(std::string_view text, LPSTR* out, ULONG* length = nullptr);
BOOL local_text(std::string_view text, LPWSTR* out, ULONG* length = nullptr);
// A copy of `bytes`.
BOOL local_copy(std::span<const std::uint8_t> bytes, void** out);

}  // namespace guise::identity::win32
