// lexer.h: turns preprocessed IDL text into tokens with their source positions.
//
// Input is the C preprocessor's output, so the lexer follows its line markers (`# 12 "file.idl"`)
// to report positions in the original files. A `#pragma` surviving preprocessing is an error (MIDL
// pragmas change layout, and guise will not silently ignore one). The argument of uuid(...) and
// async_uuid(...) is lexed as one kUuid token, since a bare UUID is not a C token sequence.
// Pure function of its input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.h"

namespace guise::midl {

enum class TokenKind { kIdentifier, kNumber, kString, kChar, kUuid, kPunct, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;          // identifier/punctuator text, string contents (unescaped), uuid text
  std::uint64_t number = 0;  // kNumber, kChar
  SourceLocation where;
};

// Tokens of `text` (ending with one kEnd). `file` names the input when no line marker does.
std::vector<Token> lex(std::string_view text, const std::string& file, Diagnostics& diags);

}  // namespace guise::midl
