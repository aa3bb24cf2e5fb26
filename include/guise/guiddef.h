// guiddef.h: GUID, IID and CLSID with Windows' layout, comparison, and the interface-id trait.
//
// GUID is a plain 16-byte aggregate laid out as on Windows (Data1..Data4, native byte order in
// memory; NDR puts it little-endian on the wire). DEFINE_GUID makes an `inline constexpr` constant, so
// no INITGUID dance is needed. Values only: safe from any thread.
#pragma once

#include <cstring>
#include <type_traits>

#include "guise/wtypes.h"

struct GUID {
  ULONG Data1;
  USHORT Data2;
  USHORT Data3;
  UCHAR Data4[8];
};
static_assert(sizeof(GUID) == 16, "GUID must keep Windows' 16-byte layout");

using IID = GUID;
using CLSID = GUID;
using UUID = GUID;
using LPGUID = GUID*;
using LPIID = IID*;
using LPCLSID = CLSID*;
using REFGUID = const GUID&;
using REFIID = const IID&;
using REFCLSID = const CLSID&;

#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
  inline constexpr GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}

inline constexpr GUID GUID_NULL = {0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};
#define IID_NULL GUID_NULL
#define CLSID_NULL GUID_NULL

constexpr bool operator==(const GUID& a, const GUID& b) noexcept {
  if (a.Data1 != b.Data1 || a.Data2 != b.Data2 || a.Data3 != b.Data3) return false;
  for (int i = 0; i < 8; ++i) {
    if (a.Data4[i] != b.Data4[i]) return false;
  }
  return true;
}

inline BOOL IsEqualGUID(REFGUID a, REFGUID b) noexcept { return a == b ? TRUE : FALSE; }
inline BOOL IsEqualIID(REFIID a, REFIID b) noexcept { return a == b ? TRUE : FALSE; }
inline BOOL IsEqualCLSID(REFCLSID a, REFCLSID b) noexcept { return a == b ? TRUE : FALSE; }
#define InlineIsEqualGUID IsEqualGUID

namespace guise {

// Orders GUIDs byte-wise so they can key std::map; Windows defines no ordering.
struct GuidLess {
  bool operator()(const GUID& a, const GUID& b) const noexcept {
    return std::memcmp(&a, &b, sizeof(GUID)) < 0;
  }
};

struct GuidHash {
  std::size_t operator()(const GUID& g) const noexcept {
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    std::memcpy(&lo, &g, 8);
    std::memcpy(&hi, reinterpret_cast<const unsigned char*>(&g) + 8, 8);
    return static_cast<std::size_t>(lo * 0x9E3779B97F4A7C15ull ^ hi);
  }
};

// InterfaceId<I>::value is I's IID; generated headers and GUISE_DECLARE_INTERFACE_ID specialise it.
// It replaces MSVC's __uuidof(I) for ComPtr::As and IID_PPV_ARGS.
template <class Interface>
struct InterfaceId;

template <class Interface>
constexpr const IID& uuidof() noexcept {
  return InterfaceId<Interface>::value;
}

}  // namespace guise

// Associates an interface type with its IID constant (declare at global scope, after both exist).
#define GUISE_DECLARE_INTERFACE_ID(Interface, iid_constant)      \
  template <>                                                    \
  struct guise::InterfaceId<Interface> {                         \
    static constexpr const IID& value = iid_constant;            \
  }

// IID_PPV_ARGS(&p): the (riid, void**) pair for QueryInterface-style calls, checked by type.
#define IID_PPV_ARGS(pp) ::guise::uuidof<std::remove_pointer_t<std::remove_pointer_t<decltype(pp)>>>(), \
                         ::guise::detail_iid_ppv_cast(pp)

namespace guise {
template <class T>
void** detail_iid_ppv_cast(T** pp) noexcept {
  return reinterpret_cast<void**>(pp);
}
}  // namespace guise
