// const_eval.h: evaluates IDL constant expressions (const values, array sizes, case labels).
//
// 64-bit signed arithmetic with C semantics; division by zero, overflowing shifts and unknown names
// are errors (reported through `message`/`where`), never undefined behaviour. Pure function.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "ast.h"

namespace guise::midl {

std::optional<std::int64_t> evaluate_constant(const ast::Expr& e, const std::map<std::string, std::int64_t>& names,
                                              std::string& message, SourceLocation& where);

}  // namespace guise::midl
