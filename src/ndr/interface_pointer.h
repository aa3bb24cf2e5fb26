// interface_pointer.h: interface pointers on the wire, as MInterfacePointer (MS-DCOM §2.2.14).
//
// An interface pointer parameter or field travels as a unique pointer to the conformant structure
// MInterfacePointer {ulCntData; [size_is(ulCntData)] byte abData[]}, abData holding an OBJREF.
// Flat part: the referent id (0 for NULL). Deferred part: max_count, ulCntData, the bytes. The
// OBJREF itself is produced and consumed by the InterfaceMarshaler the Writer/Reader carries
// (interface_marshaler.h): the COM layer's extension point. Decoding yields an AddRef'd pointer the
// caller must Release (free_interface). Stateless.
#pragma once

#include "base/status.h"
#include "guise/unknwn.h"
#include "ndr/reader.h"
#include "ndr/writer.h"

namespace guise::ndr {

void put_interface_flat(Writer& w, IUnknown* p);
// Marshals the OBJREF through w.interface_marshaler(); kUnimplemented if there is none.
[[nodiscard]] Status put_interface_deferred(Writer& w, IUnknown* p, const IID& iid);

[[nodiscard]] Status get_interface_flat(Reader& r, IUnknown*& out);
// Unmarshals through r.interface_marshaler(); DecodeError::kBadInterfacePointer if there is none
// or it refuses the OBJREF. On success `out` is AddRef'd and QueryInterface'd to iid.
[[nodiscard]] Status get_interface_deferred(Reader& r, IUnknown*& out, const IID& iid);

// Release unless `p` is NULL or the pending marker.
void free_interface(IUnknown* p) noexcept;

// The raw MInterfacePointer body (max_count, ulCntData, abData) for code that handles OBJREFs itself.
void put_interface_blob(Writer& w, std::span<const std::byte> objref);
[[nodiscard]] Status get_interface_blob(Reader& r, std::vector<std::byte>& objref);

}  // namespace guise::ndr
