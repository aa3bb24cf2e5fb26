// decode_error.h: every way NDR input can be wrong, as one closed enum.
//
// The decoder never asserts on peer bytes: each failure is one DecodeError, turned into a Status
// exactly once by decode_error_status(). Every value maps to the fault MS-RPCE prescribes for
// malformed stub data, RPC_X_BAD_STUB_DATA (1783), carried as HRESULT_FROM_WIN32(1783) so the RPC
// layer can put the Win32 code in its fault PDU and COM callers see 0x800706F7 as on Windows.
// Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace guise::ndr {

// RPC_X_BAD_STUB_DATA from winerror.h: the status a fault PDU carries for undecodable stub data.
inline constexpr std::uint32_t kRpcXBadStubData = 1783;
// The same as an HRESULT (HRESULT_FROM_WIN32(RPC_X_BAD_STUB_DATA)).
inline constexpr HRESULT kHresultBadStubData = static_cast<HRESULT>(0x800706F7u);

enum class DecodeError : std::uint8_t {
  // A read (value, alignment gap or array body) needs more bytes than remain.
  kTruncated,
  // A conformance (max_count) is larger than the remaining bytes could hold, or than Limits allows.
  kCountTooLarge,
  // A varying array's offset/actual_count do not fit inside its max_count (C706 §14.3.3.3).
  kVaryingOutOfBounds,
  // A conformance repeated in the body (size_is of a parameter vs. the array) disagrees.
  kConformanceMismatch,
  // A [string] has no terminating NUL in its last element, or has an actual_count of zero.
  kStringNotTerminated,
  // A [ref] pointer arrived as NULL (referent id 0); C706 §14.3.10.1 forbids it.
  kNullRefPointer,
  // A union discriminant selects no arm and the union has no default arm.
  kBadUnionDiscriminant,
  // A 16-bit enum arrived above 0x7FFF, the largest value MIDL lets a 16-bit enum hold.
  kBadEnumValue,
  // A full pointer's referent id was used for two different types or before it was defined.
  kBadReferentId,
  // Nesting (embedded pointers, unions, structs) is deeper than Limits::max_depth.
  kTooDeep,
  // Decoded values would need more memory than Limits::max_allocation.
  kAllocationLimit,
  // Bytes remain after the last parameter where the body must end.
  kTrailingBytes,
  // The data representation label asks for EBCDIC, VAX/Cray/IBM floats or another unsupported form.
  kUnsupportedDataRepresentation,
  // An interface pointer could not be unmarshaled (no marshaler installed, or it refused the blob).
  kBadInterfacePointer,
};

// The enumerator's name without the leading 'k' ("Truncated"), for logs and test output.
std::string_view decode_error_name(DecodeError error) noexcept;

// The one mapping to a Status: kInvalidInput carrying kHresultBadStubData, message
// "ndr: <name> at offset <n>". kAllocationLimit and kTooDeep use the same fault: to the peer, input
// that exceeds our limits is simply bad stub data.
[[nodiscard]] Status decode_error_status(DecodeError error, std::size_t offset);

}  // namespace guise::ndr
