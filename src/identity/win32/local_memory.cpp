// LocalAlloc / LocalFree (winbase.h) and the helpers that hand results out in local memory.
#include <cstdlib>
#include <cstring>

#include "base/utf16.h"
#include "guise/winbase.h"
#include "guise/winerror.h"
#include "identity/win32/api_support.h"
#include "identity/win32/local_text.h"

extern "C" HLOCAL WINAPI LocalAlloc(UINT uFlags, SIZE_T uBytes) {
  if (uFlags & LMEM_MOVEABLE) {
    SetLastError(ERROR_NOT_SUPPORTED);  // only fixed memory: there is no LocalLock
    return nullptr;
  }
  void* block =
      (uFlags & LMEM_ZEROINIT) ? std::calloc(1, uBytes == 0 ? 1 : uBytes) : std::malloc(uBytes == 0 ? 1 : uBytes);
  if (block == nullptr) SetLastError(ERROR_NOT_ENOUGH_MEMORY);
  return block;
}

extern "C" HLOCAL WINAPI LocalFree(HLOCAL hMem) {
  std::free(hMem);
  return nullptr;
}

namespace guise::identity::win32 {

BOOL local_text(std::string_view text, LPSTR* out, ULONG* length) {
  auto* buffer = static_cast<char*>(LocalAlloc(LMEM_FIXED, text.size() + 1));
  if (buffer == nullptr) return FALSE;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  *out = buffer;
  if (length != nullptr) *length = static_cast<ULONG>(text.size() + 1);
  return TRUE;
}

BOOL local_text(std::string_view text, LPWSTR* out, ULONG* length) {
  const std::u16string wide = utf8_to_utf16(text);
  auto* buffer = static_cast<WCHAR*>(LocalAlloc(LMEM_FIXED, (wide.size() + 1) * sizeof(WCHAR)));
  if (buffer == nullptr) return FALSE;
  std::memcpy(buffer, wide.data(), wide.size() * sizeof(WCHAR));
  buffer[wide.size()] = 0;
  *out = buffer;
  if (length != nullptr) *length = static_cast<ULONG>(wide.size() + 1);
  return TRUE;
}

BOOL local_copy(std::span<const std::uint8_t> bytes, void** out) {
  void* buffer = LocalAlloc(LMEM_FIXED, bytes.size());
  if (buffer == nullptr) return FALSE;
  if (!bytes.empty()) std::memcpy(buffer, bytes.data(), bytes.size());
  *out = buffer;
  return TRUE;
}

}  // namespace guise::identity::win32
