// utf16.h: UTF-8 ↔ UTF-16 conversion for OLECHAR strings.
//
// Ill-formed input (lone surrogates, bad UTF-8) is replaced with U+FFFD rather than rejected: these
// convert names for display and COM out-parameters, never for security decisions. Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace guise {

std::u16string utf8_to_utf16(std::string_view text);
std::string utf16_to_utf8(std::u16string_view text);

}  // namespace guise
