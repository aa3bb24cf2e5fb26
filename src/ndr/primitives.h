// primitives.h: NDR base types (C706 §14.2), one put/get overload per C++ type.
//
// Each primitive is aligned to its own size before it is written or read: 1 for byte/char/small/
// boolean, 2 for short and wchar_t, 4 for long/float/enum v1_enum, 8 for hyper/double. GUIDs are a
// 4-aligned structure. 16-bit enums (the default, C706 §14.2.9) travel as an unsigned short and
// may hold 0..0x7FFF, as MIDL allows; [v1_enum] ones travel as a 32-bit integer. Inline, stateless.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "guise/guiddef.h"
#include "ndr/reader.h"
#include "ndr/writer.h"

namespace guise::ndr {

// RPC_X_ENUM_VALUE_OUT_OF_RANGE (1781): a 16-bit enum value we were asked to send does not fit.
inline constexpr HRESULT kHresultEnumValueOutOfRange = static_cast<HRESULT>(0x800706F5u);

inline void put(Writer& w, std::uint8_t v) { w.write_u8(v); }
inline void put(Writer& w, std::int8_t v) { w.write_u8(static_cast<std::uint8_t>(v)); }
inline void put(Writer& w, char v) { w.write_u8(static_cast<std::uint8_t>(v)); }
inline void put(Writer& w, std::uint16_t v) { w.align(2); w.write_u16(v); }
inline void put(Writer& w, std::int16_t v) { w.align(2); w.write_u16(static_cast<std::uint16_t>(v)); }
inline void put(Writer& w, char16_t v) { w.align(2); w.write_u16(static_cast<std::uint16_t>(v)); }
inline void put(Writer& w, std::uint32_t v) { w.align(4); w.write_u32(v); }
inline void put(Writer& w, std::int32_t v) { w.align(4); w.write_u32(static_cast<std::uint32_t>(v)); }
inline void put(Writer& w, std::uint64_t v) { w.align(8); w.write_u64(v); }
inline void put(Writer& w, std::int64_t v) { w.align(8); w.write_u64(static_cast<std::uint64_t>(v)); }
inline void put(Writer& w, float v) { w.align(4); w.write_f32(v); }
inline void put(Writer& w, double v) { w.align(8); w.write_f64(v); }
inline void put(Writer& w, const GUID& v) { w.write_guid(v); }

[[nodiscard]] inline Status get(Reader& r, std::uint8_t& v) { return r.read_u8(v); }
[[nodiscard]] inline Status get(Reader& r, std::int8_t& v) {
  std::uint8_t raw = 0;
  GUISE_RETURN_IF_ERROR(r.read_u8(raw));
  v = static_cast<std::int8_t>(raw);
  return Status::Ok();
}
[[nodiscard]] inline Status get(Reader& r, char& v) {
  std::uint8_t raw = 0;
  GUISE_RETURN_IF_ERROR(r.read_u8(raw));
  v = static_cast<char>(raw);
  return Status::Ok();
}
[[nodiscard]] inline Status get(Reader& r, std::uint16_t& v) {
  GUISE_RETURN_IF_ERROR(r.align(2));
  return r.read_u16(v);
}
[[nodiscard]] inline Status get(Reader& r, std::int16_t& v) {
  std::uint16_t raw = 0;
  GUISE_RETURN_IF_ERROR(get(r, raw));
  v = static_cast<std::int16_t>(raw);
  return Status::Ok();
}
[[nodiscard]] inline Status get(Reader& r, char16_t& v) {
  std::uint16_t raw = 0;
  GUISE_RETURN_IF_ERROR(get(r, raw));
  v = static_cast<char16_t>(raw);
  return Status::Ok();
}
[[nodiscard]] inline Status get(Reader& r, std::uint32_t& v) {
  GUISE_RETURN_IF_ERROR(r.align(4));
  return r.read_u32(v);
}
[[nodiscard]] inline Status get(Reader& r, std::int32_t& v) {
  std::uint32_t raw = 0;
  GUISE_RETURN_IF_ERROR(get(r, raw));
  v = static_cast<std::int32_t>(raw);
  return Status::Ok();
}
[[nodiscard]] inline Status get(Reader& r, std::uint64_t& v) {
  GUISE_RETURN_IF_ERROR(r.align(8));
  return r.read_u64(v);
}
[[nodiscard]] inline Status get(Reader& r, std::int64_t& v) {
  std::uint64_t raw = 0;
  GUISE_RETURN_IF_ERROR(get(r, raw));
  v = static_cast<std::int64_t>(raw);
  return Status::Ok();
}
[[nodiscard]] inline Status get(Reader& r, float& v) {
  GUISE_RETURN_IF_ERROR(r.align(4));
  return r.read_f32(v);
}
[[nodiscard]] inline Status get(Reader& r, double& v) {
  GUISE_RETURN_IF_ERROR(r.align(8));
  return r.read_f64(v);
}
[[nodiscard]] inline Status get(Reader& r, GUID& v) { return r.read_guid(v); }

// 16-bit enum (C706 §14.2.9): values outside 0..0x7FFF cannot be sent.
template <class E>
[[nodiscard]] Status put_enum16(Writer& w, E value) {
  const auto v = static_cast<std::int64_t>(value);
  if (v < 0 || v > 0x7FFF) {
    return Status(StatusCode::kInvalidInput, "ndr: enum value out of range for a 16-bit enum",
                  kHresultEnumValueOutOfRange);
  }
  put(w, static_cast<std::uint16_t>(v));
  return Status::Ok();
}
template <class E>
[[nodiscard]] Status get_enum16(Reader& r, E& value) {
  std::uint16_t raw = 0;
  GUISE_RETURN_IF_ERROR(get(r, raw));
  if (raw > 0x7FFF) return r.fail(DecodeError::kBadEnumValue);
  value = static_cast<E>(raw);
  return Status::Ok();
}
// [v1_enum]: a 32-bit integer on the wire.
template <class E>
void put_enum32(Writer& w, E value) {
  put(w, static_cast<std::int32_t>(value));
}
template <class E>
[[nodiscard]] Status get_enum32(Reader& r, E& value) {
  std::int32_t raw = 0;
  GUISE_RETURN_IF_ERROR(get(r, raw));
  value = static_cast<E>(raw);
  return Status::Ok();
}

}  // namespace guise::ndr
