#include "com/objref.h"

#include "com/objref_error.h"

namespace guise::com {
namespace {

void put32(std::vector<std::byte>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
}
void put16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v & 0xFF));
  out.push_back(static_cast<std::byte>(v >> 8));
}
void put64(std::vector<std::byte>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
}
void put_guid(std::vector<std::byte>& out, const GUID& g) {
  put32(out, g.Data1);
  put16(out, g.Data2);
  put16(out, g.Data3);
  for (unsigned char b : g.Data4) out.push_back(static_cast<std::byte>(b));
}

std::uint64_t load(std::span<const std::byte> b, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(b[at + i])} << (8 * i);
  return v;
}
GUID load_guid(std::span<const std::byte> b, std::size_t at) {
  GUID g{};
  g.Data1 = static_cast<ULONG>(load(b, at, 4));
  g.Data2 = static_cast<USHORT>(load(b, at + 4, 2));
  g.Data3 = static_cast<USHORT>(load(b, at + 6, 2));
  for (int i = 0; i < 8; ++i) g.Data4[i] = std::to_integer<UCHAR>(b[at + 8 + i]);
  return g;
}

}  // namespace

std::vector<std::byte> encode_objref(const ObjRef& objref) {
  std::vector<std::byte> out;
  out.reserve(encoded_size(objref));
  put32(out, kObjrefSignature);
  put32(out, kObjrefStandard);
  put_guid(out, objref.iid);
  put32(out, objref.std.flags);
  put32(out, objref.std.public_refs);
  put64(out, objref.std.oxid);
  put64(out, objref.std.oid);
  put_guid(out, objref.std.ipid);
  append_bytes(out, objref.resolver);
  return out;
}

std::size_t encoded_size(const ObjRef& objref) {
  return kObjrefHeaderSize + kStdObjrefSize + encoded_size(objref.resolver);
}

Status check_objref_header(std::span<const std::byte> bytes) {
  if (bytes.size() < kObjrefHeaderSize) return objref_error_status(ObjrefError::kTruncated, 0);
  if (load(bytes, 0, 4) != kObjrefSignature) return objref_error_status(ObjrefError::kBadSignature, 0);
  const auto kind = static_cast<std::uint32_t>(load(bytes, 4, 4));
  if (kind == kObjrefHandler || kind == kObjrefCustom || kind == kObjrefExtended) {
    return objref_error_status(ObjrefError::kUnsupportedKind, 4);
  }
  if (kind != kObjrefStandard) return objref_error_status(ObjrefError::kBadKind, 4);
  if (load_guid(bytes, 8) == GUID_NULL) return objref_error_status(ObjrefError::kNullIid, 8);
  return Status::Ok();
}

Result<ObjRef> decode_objref(std::span<const std::byte> bytes, const ComLimits& limits) {
  GUISE_RETURN_IF_ERROR(check_objref_header(bytes));
  ObjRef objref;
  objref.iid = load_guid(bytes, 8);
  if (bytes.size() < kObjrefHeaderSize + kStdObjrefSize) {
    return objref_error_status(ObjrefError::kTruncated, kObjrefHeaderSize);
  }
  std::size_t at = kObjrefHeaderSize;
  objref.std.flags = static_cast<std::uint32_t>(load(bytes, at, 4));
  objref.std.public_refs = static_cast<std::uint32_t>(load(bytes, at + 4, 4));
  objref.std.oxid = load(bytes, at + 8, 8);
  objref.std.oid = load(bytes, at + 16, 8);
  objref.std.ipid = load_guid(bytes, at + 24);
  at += kStdObjrefSize;
  GUISE_TRY(objref.resolver, read_bytes(bytes, at, limits));
  if (at != bytes.size()) return objref_error_status(ObjrefError::kTrailingBytes, at);
  return objref;
}

}  // namespace guise::com
