#include "integration/com/objref_text.h"

#include <cstring>

#include "comtest.h"

namespace guise::com::testing {
namespace {
// TODO(idl): guise_add_idl will link its proxies whole (no call needed, as on Windows); until then
// the test programs register comtest.idl's proxies and stubs themselves (every test program uses
// this file).
const bool g_registered = [] {
  comtest_register_proxy_stubs();
  return true;
}();
}  // namespace

std::string marshal_to_hex(IUnknown* object, REFIID iid, DWORD flags) {
  IStream* stream = nullptr;
  if (FAILED(CreateStreamOnHGlobal(nullptr, TRUE, &stream))) return {};
  std::string out;
  STATSTG stat{};
  HGLOBAL block = nullptr;
  if (SUCCEEDED(CoMarshalInterface(stream, iid, object, MSHCTX_LOCAL, nullptr, flags)) &&
      SUCCEEDED(stream->Stat(&stat, STATFLAG_NONAME)) && SUCCEEDED(GetHGlobalFromStream(stream, &block))) {
    const auto* bytes = static_cast<const unsigned char*>(GlobalLock(block));
    static const char digits[] = "0123456789abcdef";
    for (ULONGLONG i = 0; i < stat.cbSize.QuadPart; ++i) {
      out.push_back(digits[bytes[i] >> 4]);
      out.push_back(digits[bytes[i] & 15]);
    }
    GlobalUnlock(block);
  }
  stream->Release();
  return out;
}

std::string bytes_from_hex(const std::string& hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

HRESULT unmarshal_from_hex(const std::string& hex, REFIID iid, void** out) {
  const std::string bytes = bytes_from_hex(hex);
  IStream* stream = nullptr;
  if (HRESULT hr = CreateStreamOnHGlobal(nullptr, TRUE, &stream); FAILED(hr)) return hr;
  ULONG written = 0;
  HRESULT hr = stream->Write(bytes.data(), static_cast<ULONG>(bytes.size()), &written);
  LARGE_INTEGER zero{};
  if (SUCCEEDED(hr)) hr = stream->Seek(zero, STREAM_SEEK_SET, nullptr);
  if (SUCCEEDED(hr)) hr = CoUnmarshalInterface(stream, iid, out);
  stream->Release();
  return hr;
}

}  // namespace guise::com::testing
