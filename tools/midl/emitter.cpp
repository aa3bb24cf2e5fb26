#include "emitter.h"

namespace guise::midl {

std::string print_expr(const ast::Expr& e, const IdentMap& map) {
  switch (e.kind) {
    case ast::Expr::Kind::kNumber:
      if (!e.text.empty()) return e.text;  // as written: 0x0F stays 0x0F
      [[fallthrough]];
    case ast::Expr::Kind::kChar: {
      std::string n = std::to_string(e.number);
      return e.number > 0x7FFFFFFF ? n + "ull" : n;
    }
    case ast::Expr::Kind::kString: {
      std::string out = "\"";
      for (char c : e.text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      return out + "\"";
    }
    case ast::Expr::Kind::kIdent: return map(e.text);
    case ast::Expr::Kind::kUnary: return "(" + e.text + print_expr(*e.operands[0], map) + ")";
    case ast::Expr::Kind::kBinary:
      return "(" + print_expr(*e.operands[0], map) + " " + e.text + " " + print_expr(*e.operands[1], map) + ")";
    case ast::Expr::Kind::kTernary:
      return "(" + print_expr(*e.operands[0], map) + " ? " + print_expr(*e.operands[1], map) + " : " +
             print_expr(*e.operands[2], map) + ")";
  }
  return "0";
}

}  // namespace guise::midl
