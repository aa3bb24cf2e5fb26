// strings.h: [string] char* and wchar_t* referents (C706 §14.3.5).
//
// A string referent is a conformant varying array of characters that includes its terminating NUL:
// max_count, offset (always 0 from us), actual_count, then the characters. char is one byte,
// wchar_t two (UTF-16, OLECHAR). Decoding checks offset + actual_count <= max_count, that
// actual_count >= 1 and that the last character is the NUL; anything else is DecodeError
// kVaryingOutOfBounds or kStringNotTerminated. The decoded string is a fresh CoTaskMemAlloc block
// (decoded_memory.h) of actual_count characters. Stateless.
#pragma once

#include "base/status.h"
#include "guise/wtypes.h"
#include "ndr/reader.h"
#include "ndr/writer.h"

namespace guise::ndr {

// The string must not be NULL (the caller writes a NULL pointer's referent id instead).
void put_string(Writer& w, const char* s);
void put_string(Writer& w, const char16_t* s);

[[nodiscard]] Status get_string(Reader& r, char*& out);
[[nodiscard]] Status get_string(Reader& r, char16_t*& out);

}  // namespace guise::ndr
