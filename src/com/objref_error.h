// objref_error.h: every way a marshaled object reference from a peer can be wrong, as one closed enum.
//
// OBJREFs (MS-DCOM §2.2.18) and the DUALSTRINGARRAYs inside them are not NDR: they are little-endian
// byte layouts that COM reads itself, from MInterfacePointer blobs and from streams. Each failure is
// one ObjrefError, turned into a Status once by objref_error_status(): kInvalidInput carrying
// RPC_E_INVALID_OBJREF, the HRESULT Windows reports for an object reference it cannot use.
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace guise::com {

enum class ObjrefError : std::uint8_t {
  // Fewer bytes than the layout needs.
  kTruncated,
  // The signature is not 'MEOW' (0x574F454D).
  kBadSignature,
  // flags is not one of the four kinds MS-DCOM §2.2.18.1 defines.
  kBadKind,
  // A well-formed OBJREF_HANDLER, OBJREF_CUSTOM or OBJREF_EXTENDED: guise has no handlers and no
  // custom marshalers, so it accepts only OBJREF_STANDARD.
  kUnsupportedKind,
  // The iid is GUID_NULL (§2.2.18.1: MUST NOT be).
  kNullIid,
  // wSecurityOffset lies past wNumEntries.
  kBadSecurityOffset,
  // A string or security binding has no terminating NUL inside its section.
  kUnterminatedBinding,
  // More bindings, or longer ones, than ComLimits allows.
  kTooManyBindings,
  // Bytes remain after saResAddr where the OBJREF must end.
  kTrailingBytes,
};

std::string_view objref_error_name(ObjrefError error) noexcept;

// kInvalidInput carrying RPC_E_INVALID_OBJREF, message "objref: <name> at offset <n>".
[[nodiscard]] Status objref_error_status(ObjrefError error, std::size_t offset);

}  // namespace guise::com
