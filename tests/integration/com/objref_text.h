// objref_text.h: marshaled interface pointers as hex text, so test processes can pass them on a
// command line or a pipe (tests only).
#pragma once

#include <string>

#include "guise/objbase.h"

namespace guise::com::testing {

// CoMarshalInterface(MSHLFLAGS_NORMAL or the given flags) into a stream, as lowercase hex.
std::string marshal_to_hex(IUnknown* object, REFIID iid, DWORD flags = MSHLFLAGS_NORMAL);
// CoUnmarshalInterface from hex text; the HRESULT it returned.
HRESULT unmarshal_from_hex(const std::string& hex, REFIID iid, void** out);
// The raw bytes of hex text.
std::string bytes_from_hex(const std::string& hex);

}  // namespace guise::com::testing
