#include "objref_hex.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace guise::bench {

std::string marshal_to_hex(IUnknown* object, REFIID iid) {
  IStream* stream = nullptr;
  if (FAILED(CreateStreamOnHGlobal(nullptr, TRUE, &stream))) std::abort();
  if (FAILED(CoMarshalInterface(stream, iid, object, MSHCTX_LOCAL, nullptr, MSHLFLAGS_TABLESTRONG))) std::abort();
  STATSTG stat{};
  HGLOBAL block = nullptr;
  stream->Stat(&stat, STATFLAG_NONAME);
  GetHGlobalFromStream(stream, &block);
  const auto* bytes = static_cast<const unsigned char*>(GlobalLock(block));
  std::string hex;
  for (ULONGLONG i = 0; i < stat.cbSize.QuadPart; ++i) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", bytes[i]);
    hex += two;
  }
  stream->Release();
  return hex;
}

void* unmarshal_from_hex(const std::string& hex, REFIID iid) {
  std::vector<unsigned char> bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  IStream* stream = nullptr;
  if (FAILED(CreateStreamOnHGlobal(nullptr, TRUE, &stream))) std::abort();
  stream->Write(bytes.data(), static_cast<ULONG>(bytes.size()), nullptr);
  LARGE_INTEGER zero{};
  stream->Seek(zero, STREAM_SEEK_SET, nullptr);
  void* proxy = nullptr;
  const HRESULT hr = CoUnmarshalInterface(stream, iid, &proxy);
  stream->Release();
  if (FAILED(hr)) {
    std::fprintf(stderr, "unmarshal failed: %08x\n", static_cast<unsigned>(hr));
    std::abort();
  }
  return proxy;
}

}  // namespace guise::bench
