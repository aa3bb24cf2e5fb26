// diagnostics.h: source positions and the errors guise-midl reports.
//
// Every error names a position in the user's .idl (after the C preprocessor, positions are mapped
// back through its line markers) and prints as `file:line:col: error: message`, the form compilers
// and editors understand. Errors accumulate; the pipeline stops after the stage that produced any.
// Not thread-safe; one Diagnostics per compilation.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace guise::midl {

struct SourceLocation {
  std::shared_ptr<const std::string> file;  // shared: every token carries one
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  SourceLocation where;
  std::string message;
};

class Diagnostics {
 public:
  void error(const SourceLocation& where, std::string message);
  bool has_errors() const noexcept { return !errors_.empty(); }
  const std::vector<Diagnostic>& errors() const noexcept { return errors_; }
  // All errors, one `file:line:col: error: message` per line.
  std::string format() const;

 private:
  std::vector<Diagnostic> errors_;
};

std::string format_diagnostic(const Diagnostic& d);

}  // namespace guise::midl
