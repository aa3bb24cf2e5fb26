// compiler.h: guise-midl's pipeline as a library: preprocess, lex, parse, check, generate.
//
// compile_file runs the C preprocessor first, as MIDL does (`cpp -E` with __midl defined, keeping
// line markers so errors point into the user's files), resolves imports on the include path, and
// produces the four outputs in memory; the command-line tool writes them. compile_text skips the
// preprocessor and imports (tests and the parser fuzzer). Errors go to `diags` as
// `file:line:col: error: ...`; outputs exist only when there were none. Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.h"

namespace guise::midl {

struct CompileOptions {
  std::vector<std::string> include_dirs;  // -I: searched by the preprocessor and for imports
  std::vector<std::string> defines;       // -D: NAME or NAME=VALUE
  std::string preprocessor = "cpp";       // run as: <preprocessor> -x c -E ...
  bool preprocess = true;
};

struct CompileOutput {
  std::string header;  // foo.h
  std::string iid;     // foo_i.cpp
  std::string proxy;   // foo_p.cpp
  std::string fuzz;    // foo_fuzz.cpp
};

std::optional<CompileOutput> compile_file(const std::string& path, const CompileOptions& options, Diagnostics& diags);
std::optional<CompileOutput> compile_text(std::string_view text, const std::string& file_name, Diagnostics& diags);

// "dir/foo.idl" → "foo".
std::string base_name_of(const std::string& path);

}  // namespace guise::midl
