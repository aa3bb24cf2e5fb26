// primitives.h: NDR base types (C706 §14.2), one put/get overload per C++ type.
//
// Each primitive is aligned to its own size before it is written or read: 1 for byte/char/small/
// boolean, 2 for short and wchar_t, 4 for long/float/enum v1_enum, 8 for hyper/double. GUIDs are a
// 4-aligned structure. 16-bit enums (the default, C706 §14.2.9) travel as an unsigned short and
// may hold 0..0x7FFF, as MIDL allows; [v1_enum] ones travel as a 32-bit integer. Inline, stateless.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

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

// Fixed-layout structures (Writer::claim_filled, Reader::take): a field at a known offset.
template <class T>
void store(std::byte* p, T v) noexcept {
  static_assert(std::is_integral_v<T>);
  auto u = static_cast<std::make_unsigned_t<T>>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    p[i] = static_cast<std::byte>(u & 0xFF);
    u = static_cast<std::make_unsigned_t<T>>(u >> 8);
  }
}
inline void store(std::byte* p, float v) noexcept { store(p, std::bit_cast<std::uint32_t>(v)); }
inline void store(std::byte* p, double v) noexcept { store(p, std::bit_cast<std::uint64_t>(v)); }
inline void store(std::byte* p, const GUID& g) noexcept {
  store(p, g.Data1);
  store(p + 4, g.Data2);
  store(p + 6, g.Data3);
  std::memcpy(p + 8, g.Data4, 8);
}

template <class T>
T load(const std::byte* p, ByteOrder order) noexcept {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<float>(load<std::uint32_t>(p, order));
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<double>(load<std::uint64_t>(p, order));
  } else if constexpr (std::is_same_v<T, GUID>) {
    GUID g;
    g.Data1 = load<std::uint32_t>(p, order);
    g.Data2 = load<std::uint16_t>(p + 4, order);
    g.Data3 = load<std::uint16_t>(p + 6, order);
    std::memcpy(g.Data4, p + 8, 8);
    return g;
  } else {
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      const std::size_t at = order == ByteOrder::kLittleEndian ? sizeof(T) - 1 - i : i;
      u = static_cast<U>((u << 8) | std::to_integer<U>(p[at]));
    }
    return static_cast<T>(u);
  }
}

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
