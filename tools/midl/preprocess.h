// preprocess.h: runs the C preprocessor over an .idl file, as MIDL does before parsing.
//
// Executes `<preprocessor> -x c -E -D__midl=501 -D__GUISE_MIDL__ [-I...] [-D...] <file>` directly
// (fork/exec, no shell, so paths need no quoting) and returns its output with line markers kept.
// A preprocessor that cannot run or exits non-zero is an error at the file's position; its own
// messages go to stderr. Blocking; not thread-safe (waits for its child).
#pragma once

#include <optional>
#include <string>

#include "compiler.h"
#include "diagnostics.h"

namespace guise::midl {

std::optional<std::string> preprocess(const std::string& path, const CompileOptions& options, Diagnostics& diags);

}  // namespace guise::midl
