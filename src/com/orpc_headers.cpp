#include "com/orpc_headers.h"

#include <cstring>

#include "guise/winerror.h"
#include "ndr/decode_error.h"
#include "ndr/primitives.h"
#include "orpc.h"

namespace guise::com {
namespace {

// Owns what the generated decoder allocated for an ORPC_EXTENT_ARRAY* and frees it on every path.
struct DecodedExtensions {
  ORPC_EXTENT_ARRAY* array = nullptr;
  ~DecodedExtensions() {
    if (array == nullptr || ndr::is_pending_referent(array)) return;
    ndr::Freer f;
    ndr::generated::ndr_free(*array, f);
    ndr::free_block(array);
  }
};

// Builds the generated form of `extents` for encoding. The storage outlives the encode call.
struct EncodableExtensions {
  explicit EncodableExtensions(const std::vector<OrpcExtent>& extents) {
    const std::size_t padded_count = (extents.size() + 1) & ~std::size_t{1};
    blocks.reserve(extents.size());
    pointers.assign(padded_count, nullptr);
    for (std::size_t i = 0; i < extents.size(); ++i) {
      const std::size_t padded = (extents[i].data.size() + 7) & ~std::size_t{7};
      auto& block = blocks.emplace_back(offsetof(ORPC_EXTENT, data) + std::max<std::size_t>(padded, 1));
      auto* extent = reinterpret_cast<ORPC_EXTENT*>(block.data());
      extent->id = extents[i].id;
      extent->size = static_cast<ULONG>(extents[i].data.size());
      if (!extents[i].data.empty()) std::memcpy(extent->data, extents[i].data.data(), extents[i].data.size());
      pointers[i] = extent;
    }
    array.size = static_cast<ULONG>(extents.size());
    array.reserved = 0;
    array.extent = pointers.data();
  }
  std::vector<std::vector<std::byte>> blocks;  // each an ORPC_EXTENT with its padded data
  std::vector<ORPC_EXTENT*> pointers;
  ORPC_EXTENT_ARRAY array{};
};

Status bad_header(ndr::Reader& r) { return ndr::decode_error_status(ndr::DecodeError::kConformanceMismatch, r.position()); }

Status convert_extensions(ndr::Reader& r, const ORPC_EXTENT_ARRAY* array, const ComLimits& limits,
                          std::vector<OrpcExtent>& out) {
  out.clear();
  if (array == nullptr) return Status::Ok();
  // The generated decoder sized the pointer array (size + 1) & ~1 in 32 bits: size 0xFFFFFFFF wraps
  // to 0, so `size` itself must be checked before it is used as a count.
  if (array->size == 0xFFFFFFFFu || array->size > limits.max_orpc_extents) return bad_header(r);
  std::size_t total = 0;
  for (ULONG i = 0; i < array->size; ++i) {
    const ORPC_EXTENT* extent = array->extent != nullptr ? array->extent[i] : nullptr;
    if (extent == nullptr) continue;
    // Same wrap for the data: (size + 7) & ~7 is 0 for size > 0xFFFFFFF8.
    if (extent->size > 0xFFFFFFF8u) return bad_header(r);
    total += extent->size;
    if (total > limits.max_orpc_extension_bytes) return bad_header(r);
    OrpcExtent copy;
    copy.id = extent->id;
    copy.data.assign(reinterpret_cast<const std::byte*>(extent->data),
                     reinterpret_cast<const std::byte*>(extent->data) + extent->size);
    out.push_back(std::move(copy));
  }
  return Status::Ok();
}

}  // namespace

void put_orpcthis(ndr::Writer& w, const OrpcThis& header) {
  ORPCTHIS wire{};
  wire.version = {header.version_major, header.version_minor};
  wire.flags = header.flags;
  wire.reserved1 = header.reserved1;
  wire.cid = header.cid;
  if (header.extensions.empty()) {
    (void)ndr::generated::ndr_put_flat(w, wire);  // cannot fail: no interface pointers, no unions
    return;
  }
  EncodableExtensions extensions(header.extensions);
  wire.extensions = &extensions.array;
  (void)ndr::generated::ndr_put_flat(w, wire);
  (void)ndr::generated::ndr_put_deferred(w, wire);
}

void append_orpcthis(std::vector<std::byte>& out, std::uint32_t flags, const GUID& cid) {
  const std::size_t at = out.size();
  out.resize(at + kOrpcThisSize);
  std::byte* p = out.data() + at;
  auto put16 = [&p](std::uint16_t v) {
    p[0] = static_cast<std::byte>(v & 0xFF);
    p[1] = static_cast<std::byte>(v >> 8);
    p += 2;
  };
  auto put32 = [&p](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFF);
    p += 4;
  };
  put16(kComVersionMajor);
  put16(kComVersionMinor);
  put32(flags);
  put32(0);  // reserved1
  put32(cid.Data1);
  put16(cid.Data2);
  put16(cid.Data3);
  std::memcpy(p, cid.Data4, 8);
  p += 8;
  put32(0);  // extensions: NULL
}

void put_orpcthat(ndr::Writer& w, const OrpcThat& header) {
  ORPCTHAT wire{};
  wire.flags = header.flags;
  if (header.extensions.empty()) {
    (void)ndr::generated::ndr_put_flat(w, wire);
    return;
  }
  EncodableExtensions extensions(header.extensions);
  wire.extensions = &extensions.array;
  (void)ndr::generated::ndr_put_flat(w, wire);
  (void)ndr::generated::ndr_put_deferred(w, wire);
}

Status get_orpcthis(ndr::Reader& r, OrpcThis& out, const ComLimits& limits) {
  ORPCTHIS wire{};
  DecodedExtensions owned;
  Status st = ndr::generated::ndr_get_flat(r, wire);
  owned.array = wire.extensions;
  GUISE_RETURN_IF_ERROR(st);
  st = ndr::generated::ndr_get_deferred(r, wire);
  owned.array = wire.extensions;
  GUISE_RETURN_IF_ERROR(st);
  if (r.position() % 8 != 0) return bad_header(r);
  out.version_major = wire.version.MajorVersion;
  out.version_minor = wire.version.MinorVersion;
  out.flags = wire.flags;
  out.reserved1 = wire.reserved1;
  out.cid = wire.cid;
  return convert_extensions(r, wire.extensions, limits, out.extensions);
}

Status get_orpcthat(ndr::Reader& r, OrpcThat& out, const ComLimits& limits) {
  ORPCTHAT wire{};
  DecodedExtensions owned;
  Status st = ndr::generated::ndr_get_flat(r, wire);
  owned.array = wire.extensions;
  GUISE_RETURN_IF_ERROR(st);
  st = ndr::generated::ndr_get_deferred(r, wire);
  owned.array = wire.extensions;
  GUISE_RETURN_IF_ERROR(st);
  if (r.position() % 8 != 0) return bad_header(r);
  out.flags = wire.flags;
  return convert_extensions(r, wire.extensions, limits, out.extensions);
}

Status check_client_version(const OrpcThis& header) {
  if (header.version_major != kComVersionMajor || header.version_minor > kComVersionMinor) {
    return Status(StatusCode::kInvalidInput,
                  "orpc: client speaks COM " + std::to_string(header.version_major) + "." +
                      std::to_string(header.version_minor),
                  RPC_E_VERSION_MISMATCH);
  }
  return Status::Ok();
}

}  // namespace guise::com
