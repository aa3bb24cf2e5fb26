// Windows' GUID string functions (objbase.h), on top of base/guid_string.h.
#include <cstring>
#include <string>

#include "base/guid_string.h"
#include "guise/objbase.h"

namespace {
constexpr int kBracedChars = 38;  // "{8-4-4-4-12}"

// The text of a NUL-terminated OLECHAR string if it is plain ASCII of at most 64 characters.
std::optional<std::string> ascii_of(LPCOLESTR text) {
  std::string out;
  for (std::size_t i = 0; text[i] != 0; ++i) {
    if (text[i] > 0x7F || i >= 64) return std::nullopt;
    out += static_cast<char>(text[i]);
  }
  return out;
}

// Windows accepts only the braced form in these functions.
std::optional<GUID> parse_braced(LPCOLESTR text) {
  auto ascii = ascii_of(text);
  if (!ascii || ascii->size() != kBracedChars) return std::nullopt;
  return guise::parse_guid(*ascii);
}

HRESULT allocate_braced(REFGUID guid, LPOLESTR* out) {
  if (out == nullptr) return E_INVALIDARG;
  *out = static_cast<LPOLESTR>(CoTaskMemAlloc((kBracedChars + 1) * sizeof(OLECHAR)));
  if (*out == nullptr) return E_OUTOFMEMORY;
  StringFromGUID2(guid, *out, kBracedChars + 1);
  return S_OK;
}
}  // namespace

extern "C" {

int StringFromGUID2(REFGUID rguid, LPOLESTR lpsz, int cchMax) {
  if (lpsz == nullptr || cchMax < kBracedChars + 1) return 0;
  const std::string text = guise::format_guid_braced(rguid);
  for (int i = 0; i < kBracedChars; ++i) lpsz[i] = static_cast<OLECHAR>(text[static_cast<std::size_t>(i)]);
  lpsz[kBracedChars] = 0;
  return kBracedChars + 1;
}

HRESULT StringFromCLSID(REFCLSID rclsid, LPOLESTR* lplpsz) { return allocate_braced(rclsid, lplpsz); }
HRESULT StringFromIID(REFIID rclsid, LPOLESTR* lplpsz) { return allocate_braced(rclsid, lplpsz); }

HRESULT CLSIDFromString(LPCOLESTR lpsz, LPCLSID pclsid) {
  if (pclsid == nullptr) return E_INVALIDARG;
  if (lpsz == nullptr) {
    *pclsid = CLSID_NULL;
    return NOERROR;
  }
  auto parsed = parse_braced(lpsz);
  if (!parsed) return CO_E_CLASSSTRING;
  *pclsid = *parsed;
  return NOERROR;
}

HRESULT IIDFromString(LPCOLESTR lpsz, LPIID lpiid) {
  if (lpiid == nullptr) return E_INVALIDARG;
  if (lpsz == nullptr) {
    *lpiid = IID_NULL;
    return S_OK;
  }
  auto parsed = parse_braced(lpsz);
  if (!parsed) return E_INVALIDARG;
  *lpiid = *parsed;
  return S_OK;
}

}  // extern "C"
