#include "const_eval.h"

namespace guise::midl {

std::optional<std::int64_t> evaluate_constant(const ast::Expr& e, const std::map<std::string, std::int64_t>& names,
                                              std::string& message, SourceLocation& where) {
  auto fail = [&](const SourceLocation& at, std::string m) -> std::optional<std::int64_t> {
    message = std::move(m);
    where = at;
    return std::nullopt;
  };
  switch (e.kind) {
    case ast::Expr::Kind::kNumber:
    case ast::Expr::Kind::kChar:
      return static_cast<std::int64_t>(e.number);
    case ast::Expr::Kind::kString:
      return fail(e.where, "a string is not an integer constant");
    case ast::Expr::Kind::kIdent: {
      auto it = names.find(e.text);
      if (it == names.end()) return fail(e.where, "'" + e.text + "' is not a known constant");
      return it->second;
    }
    case ast::Expr::Kind::kUnary: {
      auto v = evaluate_constant(*e.operands[0], names, message, where);
      if (!v) return v;
      const auto u = static_cast<std::uint64_t>(*v);
      if (e.text == "-") return static_cast<std::int64_t>(0 - u);
      if (e.text == "+") return *v;
      if (e.text == "~") return static_cast<std::int64_t>(~u);
      if (e.text == "!") return *v == 0 ? 1 : 0;
      return fail(e.where, "'" + e.text + "' is not allowed in a constant expression");
    }
    case ast::Expr::Kind::kTernary: {
      auto c = evaluate_constant(*e.operands[0], names, message, where);
      if (!c) return c;
      return evaluate_constant(*e.operands[*c != 0 ? 1 : 2], names, message, where);
    }
    case ast::Expr::Kind::kBinary: {
      auto a = evaluate_constant(*e.operands[0], names, message, where);
      if (!a) return a;
      auto b = evaluate_constant(*e.operands[1], names, message, where);
      if (!b) return b;
      const auto ua = static_cast<std::uint64_t>(*a);
      const auto ub = static_cast<std::uint64_t>(*b);
      const std::string& op = e.text;
      if (op == "+") return static_cast<std::int64_t>(ua + ub);
      if (op == "-") return static_cast<std::int64_t>(ua - ub);
      if (op == "*") return static_cast<std::int64_t>(ua * ub);
      if (op == "/" || op == "%") {
        if (*b == 0) return fail(e.where, "division by zero in a constant expression");
        if (*a == INT64_MIN && *b == -1) return fail(e.where, "overflow in a constant expression");
        return op == "/" ? *a / *b : *a % *b;
      }
      if (op == "<<" || op == ">>") {
        if (*b < 0 || *b > 63) return fail(e.where, "shift count out of range in a constant expression");
        return op == "<<" ? static_cast<std::int64_t>(ua << ub) : (*a >> *b);
      }
      if (op == "&") return static_cast<std::int64_t>(ua & ub);
      if (op == "|") return static_cast<std::int64_t>(ua | ub);
      if (op == "^") return static_cast<std::int64_t>(ua ^ ub);
      if (op == "&&") return (*a != 0 && *b != 0) ? 1 : 0;
      if (op == "||") return (*a != 0 || *b != 0) ? 1 : 0;
      if (op == "==") return *a == *b ? 1 : 0;
      if (op == "!=") return *a != *b ? 1 : 0;
      if (op == "<") return *a < *b ? 1 : 0;
      if (op == ">") return *a > *b ? 1 : 0;
      if (op == "<=") return *a <= *b ? 1 : 0;
      if (op == ">=") return *a >= *b ? 1 : 0;
      return fail(e.where, "'" + op + "' is not allowed in a constant expression");
    }
  }
  return fail(e.where, "invalid constant expression");
}

}  // namespace guise::midl
