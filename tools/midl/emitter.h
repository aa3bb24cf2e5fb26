// emitter.h: an indenting text builder for generated C++, and the printer for IDL expressions.
//
// Back ends write lines through an Emitter so indentation follows scope and output is byte-for-byte
// deterministic. print_expr renders an IDL expression as C++, mapping each identifier through the
// caller's function (a member "n" becomes "v.n" inside a structure's marshaler, a parameter stays
// "n"). Not thread-safe.
#pragma once

#include <functional>
#include <string>

#include "ast.h"

namespace guise::midl {

class Emitter {
 public:
  void line(const std::string& text = {}) {
    if (!text.empty()) out_.append(static_cast<std::size_t>(indent_) * 2, ' ');
    out_ += text;
    out_ += '\n';
  }
  void open(const std::string& text) {
    line(text);
    ++indent_;
  }
  void close(const std::string& text = "}") {
    --indent_;
    line(text);
  }
  // "} else {": closes one level and opens the next.
  void middle(const std::string& text) {
    --indent_;
    line(text);
    ++indent_;
  }
  void raw(const std::string& text) { out_ += text; }
  const std::string& text() const noexcept { return out_; }

 private:
  std::string out_;
  int indent_ = 0;
};

using IdentMap = std::function<std::string(const std::string&)>;

std::string print_expr(const ast::Expr& e, const IdentMap& map);

}  // namespace guise::midl
