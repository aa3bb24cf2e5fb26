#include "ndr/bstr.h"

#include "guise/oleauto.h"
#include "ndr/decoded_memory.h"
#include "ndr/primitives.h"

namespace guise::ndr {
namespace {
constexpr std::uint32_t kNullBstrBytes = 0xFFFFFFFFu;
}

void put_bstr_flat(Writer& w, BSTR) {
  w.align(4);
  w.write_u32(w.next_referent_id());
}

void put_bstr_deferred(Writer& w, BSTR s) {
  const std::uint32_t bytes = s == nullptr ? kNullBstrBytes : SysStringByteLen(s);
  const std::uint32_t units = s == nullptr ? 0 : (bytes + 1) / 2;
  w.write_conformance(units);
  put(w, bytes);
  put(w, units);
  // An odd byte length leaves half of the last unit unused: send it as zero, never stale memory.
  const auto* raw = reinterpret_cast<const std::uint8_t*>(s);
  for (std::uint32_t i = 0; i < units; ++i) {
    const std::uint8_t lo = raw[2 * i];
    const std::uint8_t hi = 2 * i + 1 < bytes ? raw[2 * i + 1] : 0;
    put(w, static_cast<std::uint16_t>(lo | (hi << 8)));
  }
}

Status get_bstr_flat(Reader& r, BSTR& out) {
  std::uint32_t referent_id = 0;
  GUISE_RETURN_IF_ERROR(get(r, referent_id));
  out = referent_id == 0 ? nullptr : pending_referent<OLECHAR>();
  return Status::Ok();
}

Status get_bstr_deferred(Reader& r, BSTR& out) {
  if (out == nullptr) return Status::Ok();
  out = nullptr;
  std::uint32_t max_count = 0;
  std::uint32_t bytes = 0;
  std::uint32_t units = 0;
  GUISE_RETURN_IF_ERROR(r.read_conformance(max_count, 2));
  GUISE_RETURN_IF_ERROR(get(r, bytes));
  GUISE_RETURN_IF_ERROR(get(r, units));
  if (units != max_count) return r.fail(DecodeError::kConformanceMismatch);
  if (bytes == kNullBstrBytes) {
    if (units != 0) return r.fail(DecodeError::kConformanceMismatch);
    return Status::Ok();
  }
  // MS-OAUT §2.2.23.1: clSize MUST be cBytes/2 rounded up; anything else is malformed (and a
  // larger clSize would describe units beyond the string's own bytes).
  if (units != (static_cast<std::uint64_t>(bytes) + 1) / 2) return r.fail(DecodeError::kConformanceMismatch);
  GUISE_RETURN_IF_ERROR(r.require_array(units, 2));
  GUISE_RETURN_IF_ERROR(r.charge_allocation(static_cast<std::size_t>(units) * 2 + 6));
  BSTR s = SysAllocStringByteLen(nullptr, bytes);
  if (s == nullptr) {
    return Status(StatusCode::kResourceExhausted, "ndr: out of memory decoding a BSTR", E_OUTOFMEMORY);
  }
  auto* raw = reinterpret_cast<std::uint8_t*>(s);
  for (std::uint32_t i = 0; i < units; ++i) {
    std::uint16_t unit = 0;
    const Status st = get(r, unit);
    if (!st.ok()) {
      SysFreeString(s);
      return st;
    }
    if (2 * i < bytes) raw[2 * i] = static_cast<std::uint8_t>(unit & 0xFF);
    if (2 * i + 1 < bytes) raw[2 * i + 1] = static_cast<std::uint8_t>(unit >> 8);
  }
  out = s;
  return Status::Ok();
}

void free_bstr(BSTR s) noexcept {
  if (s != nullptr && !is_pending_referent(s)) SysFreeString(s);
}

}  // namespace guise::ndr
