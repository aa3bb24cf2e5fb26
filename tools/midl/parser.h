// parser.h: recursive-descent parser for the IDL subset guise-midl accepts (docs/idl.md).
//
// Builds the ast::File for one preprocessed file's tokens. Constructs outside the subset (library,
// coclass, dispinterface, module, function pointers, bit fields...) are reported as errors at their
// position, never skipped. After an error the parser resynchronises at the next ';' or '}' so one
// run reports several independent mistakes. Pure function of its input.
#pragma once

#include <vector>

#include "ast.h"
#include "diagnostics.h"
#include "lexer.h"

namespace guise::midl {

ast::File parse(const std::vector<Token>& tokens, const std::string& path, Diagnostics& diags);

}  // namespace guise::midl
