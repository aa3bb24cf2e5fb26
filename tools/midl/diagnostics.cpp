#include "diagnostics.h"

namespace guise::midl {

void Diagnostics::error(const SourceLocation& where, std::string message) {
  errors_.push_back(Diagnostic{where, std::move(message)});
}

std::string format_diagnostic(const Diagnostic& d) {
  std::string out = d.where.file ? *d.where.file : std::string("<input>");
  out += ':' + std::to_string(d.where.line) + ':' + std::to_string(d.where.column) + ": error: ";
  out += d.message;
  return out;
}

std::string Diagnostics::format() const {
  std::string out;
  for (const auto& d : errors_) {
    out += format_diagnostic(d);
    out += '\n';
  }
  return out;
}

}  // namespace guise::midl
