// objref.h: OBJREF (MS-DCOM §2.2.18), the marshaled form of an interface pointer.
//
// An OBJREF is a little-endian byte layout (not NDR): signature 'MEOW', a kind flag, the IID, then for
// OBJREF_STANDARD a STDOBJREF {flags, cPublicRefs, oxid, oid, ipid} and the resolver's
// DUALSTRINGARRAY (saResAddr: where IObjectExporter of the object's process answers). guise sends
// and accepts only OBJREF_STANDARD; handler, custom and extended OBJREFs are refused as unsupported.
// It reaches us in MInterfacePointer blobs from peers and in streams from our own process: decode
// checks every length against what is there and refuses trailing bytes. Values; pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "com/dual_string_array.h"
#include "com/limits.h"
#include "guise/guiddef.h"

namespace guise::com {

inline constexpr std::uint32_t kObjrefSignature = 0x574F454D;  // "MEOW" read little-endian
inline constexpr std::uint32_t kObjrefStandard = 0x1;
inline constexpr std::uint32_t kObjrefHandler = 0x2;
inline constexpr std::uint32_t kObjrefCustom = 0x4;
inline constexpr std::uint32_t kObjrefExtended = 0x8;
// STDOBJREF.flags: the client need not ping this OID (§2.2.18.2).
inline constexpr std::uint32_t kSorfNoPing = 0x1000;

inline constexpr std::size_t kObjrefHeaderSize = 24;  // signature, flags, iid
inline constexpr std::size_t kStdObjrefSize = 40;     // flags, cPublicRefs, oxid, oid, ipid

using Oxid = std::uint64_t;
using Oid = std::uint64_t;
using Ipid = GUID;

struct StdObjRef {
  std::uint32_t flags = 0;
  std::uint32_t public_refs = 0;
  Oxid oxid = 0;
  Oid oid = 0;
  Ipid ipid{};
  friend bool operator==(const StdObjRef&, const StdObjRef&) = default;
};

// One RemAddRef/RemRelease entry (REMINTERFACEREF, §2.2.22.2).
struct InterfaceRefs {
  Ipid ipid{};
  std::uint32_t public_refs = 0;
  std::uint32_t private_refs = 0;
};

// An OBJREF_STANDARD.
struct ObjRef {
  IID iid{};
  StdObjRef std;
  DualStringArray resolver;  // saResAddr
  friend bool operator==(const ObjRef&, const ObjRef&) = default;
};

std::vector<std::byte> encode_objref(const ObjRef& objref);
std::size_t encoded_size(const ObjRef& objref);

// Checks the first kObjrefHeaderSize bytes (signature, kind, IID) of an OBJREF, so a reader of a
// stream can refuse what is no OBJREF before reading on.
[[nodiscard]] Status check_objref_header(std::span<const std::byte> header);

// Decodes exactly one OBJREF filling `bytes`. Errors: objref_error_status() values
// (RPC_E_INVALID_OBJREF).
[[nodiscard]] Result<ObjRef> decode_objref(std::span<const std::byte> bytes, const ComLimits& limits = {});

}  // namespace guise::com
